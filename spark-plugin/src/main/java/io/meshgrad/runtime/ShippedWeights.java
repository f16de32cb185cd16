package io.meshgrad.runtime;

import io.meshgrad.support.ObjectBytes;
import io.meshgrad.tensor.Tensor;
import java.io.Serializable;
import java.lang.ref.SoftReference;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.broadcast.Broadcast;

/**
 * One version of the weights of a step, as the data partitions' tasks receive it: a full base
 * version (broadcast once, or inline for a small model) and the deltas since (only the changed coordinates; small ones inline,
 * larger ones broadcast). {@link #value()} on an executor brings that executor's cached copy up to this
 * version by applying the missing deltas in place, so in the steady state an executor receives a
 * few changed coordinates per step instead of the whole model; an executor without a usable copy
 * (new, or its copy reclaimed by the GC) rebuilds it from the base and all deltas. Made by a
 * {@link WeightShipper}.
 */
public final class ShippedWeights implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final int CACHED_SHIPPERS = 8;

  /** Per executor JVM: the newest version seen of each shipper's weights. */
  private static final Map<Long, SoftReference<Cached>> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, SoftReference<Cached>> eldest) {
      return size() > CACHED_SHIPPERS;
    }
  };

  private final long shipper;
  private final long version;
  private final long baseVersion;
  private final Tensor[] inlineBase;
  /** The base's bytes ({@link ObjectBytes}), broadcast, or null. */
  private final Broadcast<byte[]> base;
  private final Delta[] deltas;

  /** @param inlineBase the base when small enough to travel inline, else {@code null} and {@code base} is its broadcast */
  ShippedWeights(long shipper, long version, long baseVersion, Tensor[] inlineBase, Broadcast<byte[]> base,
      Delta[] deltas) {
    if (deltas.length != version - baseVersion) {
      throw new IllegalArgumentException("version " + version + " of base " + baseVersion + " needs "
          + (version - baseVersion) + " deltas, got " + deltas.length);
    }
    this.shipper = shipper;
    this.version = version;
    this.baseVersion = baseVersion;
    this.inlineBase = inlineBase;
    this.base = base;
    this.deltas = deltas;
  }

  /**
   * The whole value of each variable, widened to double, in the order they were shipped. The
   * arrays are shared by the tasks of this executor: read them, never write.
   */
  public double[][] value() {
    Cached cached = cached();
    if (cached != null) {
      synchronized (cached) {
        if (cached.version == version) {
          return cached.weights;
        }
        if (cached.version >= baseVersion && cached.version < version) {
          for (long v = cached.version + 1; v <= version; v++) {
            deltas[(int) (v - baseVersion - 1)].get().applyTo(cached.weights);
          }
          cached.version = version;
          return cached.weights;
        }
      }
    }
    double[][] rebuilt = rebuild();
    synchronized (CACHE) {
      Cached now = cached();
      if (now == null || now.version < version) {
        CACHE.put(shipper, new SoftReference<>(new Cached(version, rebuilt)));
      }
    }
    return rebuilt;
  }

  /** Drops this JVM's cached copies (as the GC may under memory pressure); for tests. */
  static void forgetCachedCopies() {
    synchronized (CACHE) {
      CACHE.clear();
    }
  }

  /** A new copy from the base and every delta since (never an alias of a broadcast value). */
  double[][] rebuild() {
    // read anew, not shared: the weights are copied from it, and the copy is what this executor keeps
    Tensor[] values = inlineBase != null ? inlineBase : ObjectBytes.read(base.value(), Tensor[].class, "the weights' base");
    double[][] weights = new double[values.length][];
    for (int i = 0; i < values.length; i++) {
      weights[i] = values[i].toDoubleArray();
    }
    for (Delta d : deltas) {
      d.get().applyTo(weights);
    }
    return weights;
  }

  private Cached cached() {
    synchronized (CACHE) {
      SoftReference<Cached> ref = CACHE.get(shipper);
      return ref == null ? null : ref.get();
    }
  }

  /** One version's changes: carried inline (in the step's closure), or broadcast. */
  static final class Delta implements Serializable {
    private static final long serialVersionUID = 1L;
    private final WeightDelta inline;
    /** The delta's bytes ({@link ObjectBytes}), broadcast, or null. */
    private final Broadcast<byte[]> broadcast;

    private Delta(WeightDelta inline, Broadcast<byte[]> broadcast) {
      this.inline = inline;
      this.broadcast = broadcast;
    }

    static Delta inline(WeightDelta delta) {
      return new Delta(delta, null);
    }

    /** A delta broadcast as {@link ObjectBytes#write bytes}. */
    static Delta shared(Broadcast<byte[]> delta) {
      return new Delta(null, delta);
    }

    /** The broadcast, or {@code null} for a delta carried inline. */
    Broadcast<byte[]> broadcast() {
      return broadcast;
    }

    WeightDelta get() {
      return inline != null ? inline : ObjectBytes.read(broadcast.value(), WeightDelta.class, "a weight delta");
    }
  }

  /** An executor's copy of one shipper's weights at some version (advanced in place under its lock). */
  private static final class Cached {
    long version;
    final double[][] weights;

    Cached(long version, double[][] weights) {
      this.version = version;
      this.weights = weights;
    }
  }
}
