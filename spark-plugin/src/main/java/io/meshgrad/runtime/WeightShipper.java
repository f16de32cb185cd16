package io.meshgrad.runtime;

import io.meshgrad.support.ObjectBytes;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import io.meshgrad.tensor.TensorDiff;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Ships the variables' values to the data partitions every step, sending only what changed. The
 * first call ships a full <em>base</em> in the variables' dtype (float32 weights cost 4 bytes a
 * coefficient): broadcast, or inline in the step's closure for a small model. Later calls compare
 * the values with the last version shipped and send only the changed coordinates (index and new
 * value, 12 bytes each): inline while they are small, else as a broadcast (a broadcast costs a few
 * milliseconds to make, however small). Executors apply them to their cached copy ({@link
 * ShippedWeights#value()}). When the deltas since the base would together outweigh a full copy,
 * or after {@value #MAX_DELTAS} of them, the next version is a new base. Values that did not
 * change at all are not shipped again: the same version is reused.
 *
 * <p>Broadcasts that no new version needs any more are <em>retired</em>, not destroyed, because an
 * RDD lineage may still read them: whoever knows they are no longer needed (after a step's job for
 * weights held on the driver, after a lineage cut for a mesh runtime) calls {@link
 * #releaseRetired()}. Driver side only; not thread-safe.
 */
public final class WeightShipper implements AutoCloseable {
  /** Most deltas on top of one base. */
  static final int MAX_DELTAS = 32;
  /**
   * Most bytes of deltas carried inline, in the step's closure (which Spark serializes once per
   * stage into the task binary it broadcasts); later deltas on the same base are broadcast.
   */
  static final long INLINE_BYTES = 256L << 10;
  private static final long DELTA_BYTES_PER_CHANGE = 12;

  private final JavaSparkContext jsc;
  private final long id = ThreadLocalRandom.current().nextLong();
  private Tensor[] shipped;
  private long version = -1;
  private long baseVersion;
  private long baseBytes;
  private long deltaBytes;
  private Broadcast<byte[]> base;
  private Tensor[] inlineBase;
  private final List<ShippedWeights.Delta> deltas = new ArrayList<>();
  private long inlineBytes;
  private final List<Broadcast<?>> retired = new ArrayList<>();
  private long retiredBytes;
  private long broadcastDeltaBytes;
  private long lastShippedBytes;
  private ShippedWeights current;

  public WeightShipper(JavaSparkContext jsc) {
    this.jsc = jsc;
  }

  /**
   * Ships {@code values} (one tensor per variable, in the order the tasks expect) as the next
   * version and returns what the step's tasks read them from.
   */
  public ShippedWeights ship(List<Tensor> values) {
    if (shipped == null || !sameLayout(values)) {
      return shipBase(values);
    }
    long budget = Math.min(baseBytes - deltaBytes, baseBytes) / DELTA_BYTES_PER_CHANGE;
    int[][] indices = new int[values.size()][];
    long changes = 0;
    for (int v = 0; v < indices.length; v++) {
      indices[v] = TensorDiff.changedPositions(shipped[v], values.get(v), budget - changes);
      if (indices[v] == null) {
        return shipBase(values);
      }
      changes += indices[v].length;
    }
    lastShippedBytes = 0;
    if (changes == 0) {
      return current;
    }
    if (deltas.size() >= MAX_DELTAS) {
      return shipBase(values);
    }
    double[][] newValues = new double[indices.length][];
    for (int v = 0; v < indices.length; v++) {
      Tensor now = values.get(v);
      newValues[v] = new double[indices[v].length];
      for (int k = 0; k < indices[v].length; k++) {
        newValues[v][k] = now.get(indices[v][k]);
      }
      copyChanged(now, shipped[v], indices[v]);
    }
    WeightDelta delta = new WeightDelta(indices, newValues);
    long bytes = DELTA_BYTES_PER_CHANGE * changes;
    if (inlineBytes + bytes <= INLINE_BYTES) {
      deltas.add(ShippedWeights.Delta.inline(delta));
      inlineBytes += bytes;
    } else {
      deltas.add(ShippedWeights.Delta.shared(jsc.broadcast(ObjectBytes.write(delta))));
      broadcastDeltaBytes += bytes;
    }
    lastShippedBytes = bytes;
    deltaBytes += lastShippedBytes;
    version++;
    current = handle();
    return current;
  }

  /** Bytes of weight values the last {@link #ship} sent (0 if nothing changed), inline or broadcast. */
  public long lastShippedBytes() {
    return lastShippedBytes;
  }

  /**
   * Bytes of weight values this shipper keeps on the driver: its copy of the last shipped values,
   * the current base (broadcast or inline) and the deltas on it, and the retired bases and deltas
   * not yet released (element data: 4 or 8 bytes per value, 12 per delta entry).
   */
  public long retainedBytes() {
    if (shipped == null) {
      return retiredBytes;
    }
    return 2 * baseBytes + deltaBytes + retiredBytes;
  }

  /** Destroys the broadcasts of earlier bases and their deltas. */
  public void releaseRetired() {
    retired.forEach(b -> b.destroy());
    retired.clear();
    retiredBytes = 0;
  }

  /** Destroys every broadcast; a later {@link #ship} starts again from a base. */
  @Override
  public void close() {
    retire();
    releaseRetired();
    shipped = null;
    current = null;
  }

  private ShippedWeights shipBase(List<Tensor> values) {
    retire();
    shipped = new Tensor[values.size()];
    baseBytes = 0;
    for (int v = 0; v < shipped.length; v++) {
      shipped[v] = values.get(v).copy();
      baseBytes += shipped[v].byteSize();
    }
    Tensor[] copy = new Tensor[shipped.length];
    for (int v = 0; v < copy.length; v++) {
      copy[v] = shipped[v].copy();
    }
    if (baseBytes <= INLINE_BYTES) {
      inlineBase = copy;
      inlineBytes = baseBytes;
    } else {
      base = jsc.broadcast(ObjectBytes.write(copy));
    }
    version++;
    baseVersion = version;
    deltaBytes = 0;
    lastShippedBytes = baseBytes;
    current = handle();
    return current;
  }

  private void retire() {
    if (base != null) {
      retired.add(base);
      retiredBytes += baseBytes;
      base = null;
    }
    inlineBase = null;
    for (ShippedWeights.Delta d : deltas) {
      if (d.broadcast() != null) {
        retired.add(d.broadcast());
      }
    }
    retiredBytes += broadcastDeltaBytes;
    broadcastDeltaBytes = 0;
    deltas.clear();
    inlineBytes = 0;
  }

  private ShippedWeights handle() {
    return new ShippedWeights(id, version, baseVersion, inlineBase, base, deltas.toArray(new ShippedWeights.Delta[0]));
  }

  private boolean sameLayout(List<Tensor> values) {
    if (values.size() != shipped.length) {
      return false;
    }
    for (int v = 0; v < shipped.length; v++) {
      if (!shipped[v].sameLayout(values.get(v))) {
        return false;
      }
    }
    return true;
  }


  private static void copyChanged(Tensor from, Tensor to, int[] indices) {
    if (from.dtype() == DType.FLOAT32) {
      for (int i : indices) {
        to.floats()[i] = from.floats()[i];
      }
    } else {
      for (int i : indices) {
        to.doubles()[i] = from.doubles()[i];
      }
    }
  }
}
