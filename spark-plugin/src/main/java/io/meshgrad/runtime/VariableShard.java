package io.meshgrad.runtime;

import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.SlotInitializer;
import io.meshgrad.optimizer.Slots;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One shard of a variable together with the same shard of each of its optimizer slots: the
 * element of a state RDD partition. Immutable: the value and slots are {@link ChunkedTensor}s and
 * {@link #afterStep} makes a new shard that shares every chunk the step did not change, so a
 * retried task or a recomputed partition never applies a step twice, and a step whose gradient
 * touches few rows copies only the chunks holding them.
 */
public final class VariableShard implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int variable;
  private final int shard;
  private final ChunkedTensor value;
  private final Map<String, ChunkedTensor> slots;
  private final ShardStepStats lastStep;
  private final int[] changed;
  private final long bytesWritten;
  private final RowRequests asked;
  private final boolean askedSquares;
  /**
   * The chunks (of the value and, alike, of every slot) written since the state's last lineage
   * cut, as a bitset over chunk ids; {@code null}: unknown, taken as all of them (a shard made or
   * replaced since, see {@link StateCuts}).
   */
  private final long[] changedSinceCut;

  /**
   * @param variable index of the variable in its runtime
   * @param shard shard id within the variable (see {@code ShardedShape})
   * @param value the shard's values (copied)
   * @param slots the shards of the variable's slots, by slot name (copied)
   */
  public VariableShard(int variable, int shard, Tensor value, Map<String, Tensor> slots) {
    this(variable, shard, ChunkedTensor.of(value), chunked(slots), null, null, 0);
  }

  /**
   * A shard with no slots whose value is {@code value} as it is (not copied): for a shard built
   * where it lives, e.g. {@link ChunkedTensor#generate} from an initializer.
   */
  public static VariableShard of(int variable, int shard, ChunkedTensor value) {
    return new VariableShard(variable, shard, value, Map.of(), null, null, 0);
  }

  private static Map<String, ChunkedTensor> chunked(Map<String, Tensor> slots) {
    Map<String, ChunkedTensor> out = new LinkedHashMap<>();
    slots.forEach((k, v) -> out.put(k, ChunkedTensor.of(v)));
    return out;
  }

  private VariableShard(int variable, int shard, ChunkedTensor value, Map<String, ChunkedTensor> slots,
      ShardStepStats lastStep, int[] changed, long bytesWritten) {
    this(variable, shard, value, slots, lastStep, changed, bytesWritten, null, false, null);
  }

  private VariableShard(int variable, int shard, ChunkedTensor value, Map<String, ChunkedTensor> slots,
      ShardStepStats lastStep, int[] changed, long bytesWritten, RowRequests asked, boolean askedSquares,
      long[] changedSinceCut) {
    this.variable = variable;
    this.shard = shard;
    this.value = value;
    this.slots = new LinkedHashMap<>(slots);
    this.lastStep = lastStep;
    this.changed = changed;
    this.bytesWritten = bytesWritten;
    this.asked = asked;
    this.askedSquares = askedSquares;
    this.changedSinceCut = changedSinceCut;
  }

  /**
   * The shard as a lineage cut leaves it ({@link StateCuts}): the same value and slots (the same
   * chunks), no record of a step, and no chunk changed since the cut.
   */
  static VariableShard atCut(int variable, int shard, ChunkedTensor value, Map<String, ChunkedTensor> slots) {
    return new VariableShard(variable, shard, value, slots, null, null, 0, null, false,
        new long[(value.numChunks() + 63) / 64]);
  }

  /** {@link #atCut} of this shard's value and slots: the shard as a lineage cut into files leaves it. */
  public VariableShard atCut() {
    return atCut(variable, shard, value, slots);
  }

  /**
   * Whether chunk {@code c} (of the value and of each slot) may have been written since the last
   * lineage cut: true unless the shard knows it was not.
   */
  boolean changedSinceCut(int c) {
    return changedSinceCut == null || (changedSinceCut[c >>> 6] & (1L << c)) != 0;
  }

  /** Whether the shard knows which chunks were written since the last cut (see {@link #changedSinceCut(int)}). */
  boolean knowsChangesSinceCut() {
    return changedSinceCut != null;
  }

  /** {@link #changedSinceCut} after a step that wrote chunks {@code ids} ({@code null}: all). */
  private long[] changedAlso(int[] ids) {
    if (changedSinceCut == null || ids == null) {
      return null;
    }
    long[] next = changedSinceCut.clone();
    for (int c : ids) {
      next[c >>> 6] |= 1L << c;
    }
    return next;
  }

  /**
   * This shard after {@link Optimizer#applyToVariable} with {@code gradient} (already clipped):
   * a new shard, this one unchanged. When the gradient is sparse and the step changes only its
   * rows ({@link Optimizer#sparseStepChangesOnlyItsRows}), the update runs on a copy of just the
   * chunks holding those rows and the new shard shares every other chunk with this one;
   * otherwise it runs on copies of the whole value and slots. Either way the arithmetic is the
   * optimizer's own, element for element, so the result is the same bit for bit.
   *
   * @param stats what the step did here, kept for {@link #update}
   */
  VariableShard afterStep(Optimizer optimizer, Optimizer.VariableStep step, Gradient gradient, ShardStepStats stats) {
    return afterStep(optimizer, step, gradient, stats, true);
  }

  /**
   * {@link #afterStep(Optimizer, Optimizer.VariableStep, Gradient, ShardStepStats)}; without
   * {@code findChanges} the changed elements are not looked for (the driver holds no copy to
   * patch: {@link #update} then sends no values).
   */
  VariableShard afterStep(Optimizer optimizer, Optimizer.VariableStep step, Gradient gradient, ShardStepStats stats,
      boolean findChanges) {
    int[] ids = gradient instanceof IndexedSlices s && optimizer.sparseStepChangesOnlyItsRows(step)
        ? chunksOfRows(s.indices())
        : null;
    Tensor v = value.gather(ids);
    Map<String, Tensor> s = new LinkedHashMap<>();
    slots.forEach((k, t) -> s.put(k, t.gather(ids)));
    Gradient g = ids == null ? gradient : inGatheredRows((IndexedSlices) gradient, ids, v.shape());
    optimizer.applyToVariable(step, g, v, slotsOf(s));
    ChunkedTensor newValue = next(value, ids, v);
    Map<String, ChunkedTensor> newSlots = new LinkedHashMap<>();
    long written = newValue.bytesNotSharedWith(value);
    for (Map.Entry<String, ChunkedTensor> e : slots.entrySet()) {
      ChunkedTensor t = next(e.getValue(), ids, s.get(e.getKey()));
      newSlots.put(e.getKey(), t);
      written += t.bytesNotSharedWith(e.getValue());
    }
    return new VariableShard(variable, shard, newValue, newSlots, stats,
        findChanges ? ChunkedTensor.changedPositions(value, newValue, value.size() / 2) : null, written, null, false,
        changedAlso(ids));
  }

  /**
   * This shard after the steps a job applied in place to its working copy ({@link
   * ShardWorkingCopy}): {@code newValue} and {@code newSlots} share every chunk not in {@code
   * written} with this shard's, the last step's record is kept for {@link #update}, and the
   * chunks {@code written} ({@code null}: all) count as changed since the last cut, as the same
   * steps through {@link #afterStep} leave them.
   */
  VariableShard afterSteps(ChunkedTensor newValue, Map<String, ChunkedTensor> newSlots, ShardStepStats stats,
      int[] changedPositions, long written, int[] writtenChunks) {
    return new VariableShard(variable, shard, newValue, newSlots, stats, changedPositions, written, null, false,
        changedAlso(writtenChunks));
  }

  private static ChunkedTensor next(ChunkedTensor before, int[] ids, Tensor updated) {
    return ids == null ? ChunkedTensor.of(updated) : before.withChunks(ids, updated);
  }

  /** The increasing, distinct chunks holding {@code rows}. */
  private int[] chunksOfRows(int[] rows) {
    boolean[] touched = new boolean[value.numChunks()];
    int n = 0;
    for (int row : rows) {
      int c = value.chunkOfRow(row);
      if (!touched[c]) {
        touched[c] = true;
        n++;
      }
    }
    int[] ids = new int[n];
    int k = 0;
    for (int c = 0; c < touched.length; c++) {
      if (touched[c]) {
        ids[k++] = c;
      }
    }
    return ids;
  }

  /** {@code g} with its rows renumbered into the gathered chunks {@code ids} (same order, same values). */
  private IndexedSlices inGatheredRows(IndexedSlices g, int[] ids, int[] gatheredShape) {
    int[] firstGatheredRow = new int[value.numChunks()];
    int at = 0;
    for (int c : ids) {
      firstGatheredRow[c] = at;
      at += value.rowsIn(c);
    }
    int[] local = new int[g.numRows()];
    for (int r = 0; r < local.length; r++) {
      int row = g.index(r);
      int c = value.chunkOfRow(row);
      local[r] = firstGatheredRow[c] + row - value.firstRow(c);
    }
    return new IndexedSlices(local, g.values(), gatheredShape);
  }

  private Slots slotsOf(Map<String, Tensor> s) {
    return name -> {
      Tensor t = s.get(name);
      if (t == null) {
        throw new IllegalStateException("shard " + shard + " of variable " + variable + " has no slot '" + name + "'");
      }
      return t;
    };
  }

  /**
   * This shard (same value, slots and step) asked by data partitions for its rows of the next
   * step ({@code requests}, or {@code null}: not asked), and with {@code squares} for its sum of
   * squares too; {@link #update} answers.
   */
  VariableShard answering(RowRequests requests, boolean squares) {
    if (requests == null && asked == null) {
      return this;
    }
    return new VariableShard(variable, shard, value, slots, lastStep, changed, bytesWritten, requests, squares,
        changedSinceCut);
  }

  /**
   * What travels back to the driver after a step: with {@code withValues}, the changed values
   * when known, else the whole value (none for a variable the driver holds no copy of); and the
   * answer to the next step's row requests, if asked ({@link #answering}).
   */
  ShardUpdate update(boolean withValues) {
    RowAnswer answer = asked == null ? null : RowAnswer.of(asked, this, askedSquares);
    if (!withValues) {
      return new ShardUpdate(variable, shard, new int[0], Tensor.zeros(value.dtype(), 0), lastStep, bytesWritten,
          answer);
    }
    return changed == null
        ? new ShardUpdate(variable, shard, null, value.toTensor(), lastStep, bytesWritten, answer)
        : new ShardUpdate(variable, shard, changed, value.valuesAt(changed), lastStep, bytesWritten, answer);
  }

  public int variable() {
    return variable;
  }

  public int shard() {
    return shard;
  }

  /** The shard's values, in a new tensor. */
  public Tensor value() {
    return value.toTensor();
  }

  /**
   * Local rows {@code localRows} of the shard's values in a new tensor ({@code [rows, shard
   * shape[1:]...]}): what a row-sparse pull reads, without gathering the whole shard.
   */
  public Tensor rows(int[] localRows) {
    return value.rows(localRows);
  }

  /** The shard's values as they are stored. */
  ChunkedTensor chunkedValue() {
    return value;
  }

  /** The shard of slot {@code name} in a new tensor, or {@code null}. */
  public Tensor slot(String name) {
    ChunkedTensor t = slots.get(name);
    return t == null ? null : t.toTensor();
  }

  /** The shards of the slots as they are stored, by name. */
  Map<String, ChunkedTensor> chunkedSlots() {
    return Collections.unmodifiableMap(slots);
  }

  /** This shard with one more slot. */
  public VariableShard withSlot(String name, Tensor slotValue) {
    requireValueLayout(slotValue, "slot " + name);
    Map<String, ChunkedTensor> s = new LinkedHashMap<>(slots);
    s.put(name, ChunkedTensor.of(slotValue));
    return new VariableShard(variable, shard, value, s, null, null, 0);
  }

  /**
   * This shard with one more slot, {@code initializer} applied chunk by chunk to the value (the
   * slot initializers are elementwise: constants, zeros, a copy), so that no whole copy of the
   * shard is made on the way.
   */
  public VariableShard withSlot(String name, SlotInitializer initializer) {
    Map<String, ChunkedTensor> s = new LinkedHashMap<>(slots);
    s.put(name, value.mapChunks(initializer::initialValue));
    return new VariableShard(variable, shard, value, s, null, null, 0);
  }

  /** Bytes of element data of the value and the slots, as stored. */
  public long byteSize() {
    long n = value.byteSize();
    for (ChunkedTensor t : slots.values()) {
      n += t.byteSize();
    }
    return n;
  }

  /** This shard with another value (slots kept). */
  public VariableShard withValue(Tensor newValue) {
    requireValueLayout(newValue, "value");
    return new VariableShard(variable, shard, ChunkedTensor.of(newValue), slots, null, null, 0);
  }

  private void requireValueLayout(Tensor t, String what) {
    if (t.dtype() != value.dtype() || !java.util.Arrays.equals(t.shape(), value.shape())) {
      throw new IllegalArgumentException(what + " must be " + value.dtype() + java.util.Arrays.toString(value.shape())
          + ", got " + t.dtype() + java.util.Arrays.toString(t.shape()));
    }
  }

  /** This shard with slot {@code name} replaced. */
  public VariableShard withSlotValue(String name, Tensor slotValue) {
    if (!slots.containsKey(name)) {
      throw new IllegalArgumentException("shard " + shard + " of variable " + variable + " has no slot '" + name + "'");
    }
    return withSlot(name, slotValue);
  }
}
