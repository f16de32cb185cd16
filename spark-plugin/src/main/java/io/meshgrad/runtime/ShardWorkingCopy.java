package io.meshgrad.runtime;

import io.meshgrad.optimizer.GradientClipping;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Slots;
import io.meshgrad.tensor.ChunkLayout;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One owned shard within a job of the many-steps-per-job engine: its value and slots as whole
 * mutable tensors, made from the shard at the job's start when the job first needs them, which
 * each step updates in place with the optimizer's own kernel ({@link Optimizer#applyToVariable},
 * the same call on the same rows as {@link VariableShard#afterStep}, so the same values bit for
 * bit). A step whose sparse gradient changes only its rows ({@link
 * Optimizer#sparseStepChangesOnlyItsRows}) reads and writes just those rows; the copy remembers
 * which chunks the job wrote, and {@link #toShard} makes the immutable shard, sharing every other
 * chunk with the start shard. The start shard is never written to (a retried job starts from it,
 * and a kept shard serves the next job).
 *
 * <p>Each step's {@link #update} is the one {@link VariableShard#afterStep} makes (the changed
 * positions and values, the stats, the bytes written), and {@link #undoLastStep} puts the copy
 * back as it was before the last step (a non-finite step handed back).
 */
final class ShardWorkingCopy {
  private final VariableShard start;
  private final ChunkedTensor startValue;
  private final int rowLength;
  private Tensor value;
  private final Map<String, Tensor> slots = new LinkedHashMap<>();
  /** Chunks written in the job, as a bitset; meaningless once {@link #allWritten}. */
  private long[] written;
  private boolean allWritten;
  private boolean stepped;
  private ShardStepStats lastStats;
  private int[] lastChanged;
  private long lastBytesWritten;
  /** Distinct increasing rows the last step wrote; {@code null}: all of them (a whole step); empty: none. */
  private int[] lastRows = new int[0];
  private Undo undo;

  ShardWorkingCopy(VariableShard start) {
    this.start = start;
    this.startValue = start.chunkedValue();
    this.rowLength = ChunkLayout.rowLength(startValue.shape());
    this.written = new long[(startValue.numChunks() + 63) / 64];
  }

  /** The shard at the job's start (never written to). */
  VariableShard start() {
    return start;
  }

  int variable() {
    return start.variable();
  }

  int shard() {
    return start.shard();
  }

  int[] shape() {
    return startValue.shape();
  }

  DType dtype() {
    return startValue.dtype();
  }

  private void open() {
    if (value == null) {
      value = start.value();
      start.chunkedSlots().forEach((name, t) -> slots.put(name, t.toTensor()));
    }
  }

  /** The shard's values now, in a new tensor. */
  Tensor value() {
    return value == null ? start.value() : value.copy();
  }

  /** Local rows {@code localRows} of the values now, in a new tensor (as {@link VariableShard#rows}). */
  Tensor rows(int[] localRows) {
    if (value == null) {
      return start.rows(localRows);
    }
    return rowsOf(value, localRows, rowLength);
  }

  /** The values' sum of squares now. */
  double sumOfSquares() {
    return GradientClipping.sumOfSquares(value == null ? start.value() : value);
  }

  /**
   * Applies one step in place: {@link VariableShard#afterStep} of the shard now, without the copy.
   *
   * @param stats what the step did here, kept for {@link #update}
   * @param findChanges whether the changed elements are looked for (see {@link VariableShard#afterStep})
   * @param keepUndo whether {@link #undoLastStep} must be able to put this step back
   */
  void step(Optimizer optimizer, Optimizer.VariableStep step, Gradient gradient, ShardStepStats stats,
      boolean findChanges, boolean keepUndo) {
    open();
    int[] rows = gradient instanceof IndexedSlices s && optimizer.sparseStepChangesOnlyItsRows(step)
        ? distinctRows(s.indices())
        : null;
    Undo before = new Undo(this, rows, keepUndo);
    Tensor oldValue = before.value;
    if (oldValue == null && findChanges) {
      oldValue = rows == null ? value.copy() : rowsOf(value, rows, rowLength);
    }
    optimizer.applyToVariable(step, gradient, value, slotsOf());
    int[] chunks = rows == null ? null : chunksOf(rows);
    long elements = 0;
    if (chunks == null) {
      elements = value.size();
      allWritten = true;
    } else {
      for (int c : chunks) {
        elements += (long) startValue.rowsIn(c) * rowLength;
        written[c >>> 6] |= 1L << c;
      }
    }
    undo = keepUndo ? before : null;
    stepped = true;
    lastStats = stats;
    lastBytesWritten = elements * dtype().bytes() * (1 + slots.size());
    lastChanged = findChanges ? changedPositions(oldValue, rows, startValue.size() / 2) : null;
    lastRows = rows;
  }

  /** Marks that this step did not write the shard (no gradient): {@link #writtenFinite} then reads nothing. */
  void notWritten() {
    lastRows = new int[0];
    undo = null;
  }

  /**
   * What travels to every task after the last step: {@link VariableShard#update} of the shard
   * {@link VariableShard#afterStep} would have made (the start shard's own before any step).
   */
  ShardUpdate update(boolean withValues) {
    if (!stepped) {
      return start.update(withValues);
    }
    if (!withValues) {
      return new ShardUpdate(variable(), shard(), new int[0], Tensor.zeros(dtype(), 0), lastStats, lastBytesWritten,
          null);
    }
    return lastChanged == null
        ? new ShardUpdate(variable(), shard(), null, value.copy(), lastStats, lastBytesWritten, null)
        : new ShardUpdate(variable(), shard(), lastChanged, valuesAt(lastChanged), lastStats, lastBytesWritten, null);
  }

  /**
   * Whether the values are all finite where the last step wrote them (everywhere with {@code
   * everywhere}): given that they were before, whether they are now, as {@link
   * ChunkedTensor#finiteOutside} of the chunks the step wrote.
   */
  boolean writtenFinite(boolean everywhere) {
    Tensor t = value == null ? null : value;
    if (t == null) {
      return everywhere ? start.chunkedValue().finiteOutside(null) : true;
    }
    if (everywhere || lastRows == null) {
      return finite(t, 0, t.size());
    }
    for (int r : lastRows) {
      if (!finite(t, r * rowLength, rowLength)) {
        return false;
      }
    }
    return true;
  }

  /** Puts the copy back as it was before the last {@link #step} (which must have kept its undo). */
  void undoLastStep() {
    if (undo == null) {
      return; // the last step did not write this shard
    }
    undo.restore(this);
    undo = null;
  }

  /**
   * The immutable shard after the job's steps: the start shard when no step wrote it, else the
   * chunks the job wrote copied from the working tensors and every other chunk shared with the
   * start shard, with the last step's record ({@link VariableShard#afterSteps}).
   */
  VariableShard toShard() {
    if (!stepped) {
      return start;
    }
    int[] ids = allWritten ? null : writtenChunks();
    ChunkedTensor newValue = startValue.withChunksFrom(ids, value);
    Map<String, ChunkedTensor> newSlots = new LinkedHashMap<>();
    start.chunkedSlots().forEach((name, t) -> newSlots.put(name, t.withChunksFrom(ids, slots.get(name))));
    return start.afterSteps(newValue, newSlots, lastStats, lastChanged, lastBytesWritten, ids);
  }

  private int[] writtenChunks() {
    int n = 0;
    for (long w : written) {
      n += Long.bitCount(w);
    }
    int[] ids = new int[n];
    int k = 0;
    for (int c = 0; c < startValue.numChunks(); c++) {
      if ((written[c >>> 6] & (1L << c)) != 0) {
        ids[k++] = c;
      }
    }
    return ids;
  }

  private Slots slotsOf() {
    return name -> {
      Tensor t = slots.get(name);
      if (t == null) {
        throw new IllegalStateException("shard " + shard() + " of variable " + variable() + " has no slot '" + name
            + "'");
      }
      return t;
    };
  }

  /** The increasing distinct rows among {@code indices}. */
  private int[] distinctRows(int[] indices) {
    int[] rows = indices.clone();
    Arrays.sort(rows);
    int n = 0;
    for (int i = 0; i < rows.length; i++) {
      if (i == 0 || rows[i] != rows[i - 1]) {
        rows[n++] = rows[i];
      }
    }
    return Arrays.copyOf(rows, n);
  }

  /** The increasing distinct chunks holding the increasing {@code rows}. */
  private int[] chunksOf(int[] rows) {
    int[] ids = new int[rows.length];
    int n = 0;
    for (int r : rows) {
      int c = startValue.chunkOfRow(r);
      if (n == 0 || ids[n - 1] != c) {
        ids[n++] = c;
      }
    }
    return Arrays.copyOf(ids, n);
  }

  /**
   * Increasing positions where the values now differ from {@code old} (the whole values before
   * the step, or its {@code rows} one after the other), compared as {@link
   * ChunkedTensor#changedPositions} compares; {@code null} as soon as more than {@code limit} do.
   */
  private int[] changedPositions(Tensor old, int[] rows, long limit) {
    io.meshgrad.tensor.TensorDiff.Positions found = new io.meshgrad.tensor.TensorDiff.Positions(limit);
    int pieces = rows == null ? 1 : rows.length;
    int length = rows == null ? value.size() : rowLength;
    boolean f32 = dtype() == DType.FLOAT32;
    Object before = f32 ? old.floats() : old.doubles();
    Object now = f32 ? value.floats() : value.doubles();
    for (int k = 0; k < pieces; k++) {
      int offset = rows == null ? 0 : rows[k] * rowLength;
      if (!found.scan(before, rows == null ? 0 : k * rowLength, now, offset, length, offset)) {
        return null;
      }
    }
    return found.toArray();
  }

  private Tensor valuesAt(int[] positions) {
    if (dtype() == DType.FLOAT32) {
      float[] v = new float[positions.length];
      float[] all = value.floats();
      for (int k = 0; k < v.length; k++) {
        v[k] = all[positions[k]];
      }
      return Tensor.of(v, v.length);
    }
    double[] v = new double[positions.length];
    double[] all = value.doubles();
    for (int k = 0; k < v.length; k++) {
      v[k] = all[positions[k]];
    }
    return Tensor.of(v, v.length);
  }

  /**
   * Rows {@code rows} of {@code t} (rows of {@code rowLength} elements), one after the other in a
   * new tensor of shape {@code [rows.length, shape[1:]...]}, as {@link ChunkedTensor#rows} reads them.
   */
  private static Tensor rowsOf(Tensor t, int[] rows, int rowLength) {
    int[] shape = t.shape();
    int numRows = shape.length == 0 ? 1 : shape[0];
    int[] outShape = shape.length == 0 ? new int[] {rows.length} : shape.clone();
    outShape[0] = rows.length;
    Object from = t.dtype() == DType.FLOAT32 ? t.floats() : t.doubles();
    Object out = t.dtype() == DType.FLOAT32 ? new float[rows.length * rowLength] : new double[rows.length * rowLength];
    for (int i = 0; i < rows.length; i++) {
      if (rows[i] < 0 || rows[i] >= numRows) {
        throw new IllegalArgumentException("rows[" + i + "] must be in [0, " + numRows + "), got " + rows[i]);
      }
      System.arraycopy(from, rows[i] * rowLength, out, i * rowLength, rowLength);
    }
    return t.dtype() == DType.FLOAT32 ? Tensor.of((float[]) out, outShape) : Tensor.of((double[]) out, outShape);
  }

  private static boolean finite(Tensor t, int from, int length) {
    if (t.dtype() == DType.FLOAT32) {
      float[] f = t.floats();
      for (int i = from; i < from + length; i++) {
        if (!Float.isFinite(f[i])) {
          return false;
        }
      }
    } else {
      double[] d = t.doubles();
      for (int i = from; i < from + length; i++) {
        if (!Double.isFinite(d[i])) {
          return false;
        }
      }
    }
    return true;
  }

  /** The copy's state before a step: the rows it writes (or whole tensors) and the record of the job's writes. */
  private static final class Undo {
    private final int[] rows;
    private final Tensor value;
    private final Map<String, Tensor> slots = new LinkedHashMap<>();
    private final long[] written;
    private final boolean allWritten;
    private final boolean stepped;
    private final ShardStepStats lastStats;
    private final int[] lastChanged;
    private final long lastBytesWritten;

    Undo(ShardWorkingCopy w, int[] rows, boolean keep) {
      this.rows = rows;
      this.value = keep ? saved(w.value, rows) : null;
      if (keep) {
        w.slots.forEach((name, t) -> slots.put(name, saved(t, rows)));
      }
      this.written = keep ? w.written.clone() : null;
      this.allWritten = w.allWritten;
      this.stepped = w.stepped;
      this.lastStats = w.lastStats;
      this.lastChanged = w.lastChanged;
      this.lastBytesWritten = w.lastBytesWritten;
    }

    private static Tensor saved(Tensor t, int[] rows) {
      return rows == null ? t.copy() : rowsOf(t, rows, t.rowLength());
    }

    void restore(ShardWorkingCopy w) {
      put(value, w.value, rows, w.rowLength);
      slots.forEach((name, t) -> put(t, w.slots.get(name), rows, w.rowLength));
      w.written = written;
      w.allWritten = allWritten;
      w.stepped = stepped;
      w.lastStats = lastStats;
      w.lastChanged = lastChanged;
      w.lastBytesWritten = lastBytesWritten;
      w.lastRows = new int[0];
    }

    private static void put(Tensor saved, Tensor into, int[] rows, int rowLength) {
      if (rows == null) {
        into.copyFrom(saved);
        return;
      }
      Object from = saved.dtype() == DType.FLOAT32 ? saved.floats() : saved.doubles();
      Object to = into.dtype() == DType.FLOAT32 ? into.floats() : into.doubles();
      for (int k = 0; k < rows.length; k++) {
        System.arraycopy(from, k * rowLength, to, rows[k] * rowLength, rowLength);
      }
    }
  }
}
