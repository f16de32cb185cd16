package io.meshgrad.runtime;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Gradient sums of one variable (or shard) of shape {@code [numRows, rowLength]}, row-major, held
 * either dense or as its touched rows only (sorted row indices and their values), so that a batch
 * that touches a few rows of a large variable ships and sums a few rows, not the whole array.
 *
 * <p>{@link #plus} gives bit for bit what adding the dense arrays would, except that a zero not
 * added to anything may keep a negative sign (the dense sum would turn {@code -0.0} into {@code
 * 0.0}); no gradient or update depends on that sign. Rows not held are zero. (A class, not a record:
 * Spark's Kryo serializer cannot rebuild records.)
 */
public final class RowSums implements Serializable {
  private static final long serialVersionUID = 1L;


  private final int numRows;
  private final int rowLength;
  private final double[] dense;
  private final int[] rows;
  private final double[] rowValues;

  private RowSums(int numRows, int rowLength, double[] dense, int[] rows, double[] rowValues) {
    this.numRows = numRows;
    this.rowLength = rowLength;
    this.dense = dense;
    this.rows = rows;
    this.rowValues = rowValues;
  }

  /** Dense sums (the array is kept, not copied) of {@code values.length / rowLength} rows. */
  public static RowSums dense(double[] values, int rowLength) {
    if (rowLength < 1 || values.length % rowLength != 0) {
      throw new IllegalArgumentException("rowLength must be >= 1 and divide the " + values.length
          + " values, got " + rowLength);
    }
    return new RowSums(values.length / rowLength, rowLength, values, null, null);
  }

  /**
   * Sums held as rows (arrays kept, not copied).
   *
   * @param rows strictly increasing row indices in {@code [0, numRows)}
   * @param values {@code rows.length * rowLength} values, row {@code rows[i]} at {@code i * rowLength}
   */
  public static RowSums ofRows(int numRows, int rowLength, int[] rows, double[] values) {
    if (rowLength < 1 || numRows < 0 || values.length != (long) rows.length * rowLength) {
      throw new IllegalArgumentException("expected " + rows.length + " rows of length " + rowLength
          + " (" + (long) rows.length * rowLength + " values) of " + numRows + ", got " + values.length + " values");
    }
    for (int i = 0; i < rows.length; i++) {
      if (rows[i] < 0 || rows[i] >= numRows || (i > 0 && rows[i] <= rows[i - 1])) {
        throw new IllegalArgumentException("rows must be strictly increasing in [0, " + numRows + "), got "
            + rows[i] + " at position " + i + (i > 0 ? " after " + rows[i - 1] : ""));
      }
    }
    return new RowSums(numRows, rowLength, null, rows, values);
  }

  /** All-zero sums, holding no rows ({@code rowLength} may be 0, for an empty shard). */
  public static RowSums zeros(int numRows, int rowLength) {
    if (numRows < 0 || rowLength < 0) {
      throw new IllegalArgumentException("numRows and rowLength must be >= 0, got " + numRows + " and " + rowLength);
    }
    return new RowSums(numRows, rowLength, null, new int[0], new double[0]);
  }

  public int numRows() {
    return numRows;
  }

  public int rowLength() {
    return rowLength;
  }

  /**
   * Whether sums touching {@code held} of {@code numRows} rows are worth holding as rows: at most
   * half of them (beyond that, indices and values outweigh the dense array).
   */
  public static boolean worthHoldingAsRows(int held, int numRows) {
    return held <= 0.5 * numRows;
  }

  /** Whether the sums are held dense ({@link #denseValues()}) rather than as rows. */
  public boolean isDense() {
    return dense != null;
  }

  /** The dense values (live array); only when {@link #isDense()}. */
  public double[] denseValues() {
    requireDense(true);
    return dense;
  }

  /** The rows held, strictly increasing (live array); only when not {@link #isDense()}. */
  public int[] rows() {
    requireDense(false);
    return rows;
  }

  /** Values of {@link #rows()}, row-major (live array); only when not {@link #isDense()}. */
  public double[] rowValues() {
    requireDense(false);
    return rowValues;
  }

  /** The sums as a dense row-major array (a new array when held as rows, else the live one). */
  public double[] toDense() {
    if (dense != null) {
      return dense;
    }
    double[] out = new double[Math.multiplyExact(numRows, rowLength)];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rowValues, i * rowLength, out, rows[i] * rowLength, rowLength);
    }
    return out;
  }

  /** Bytes of gradient data held: dense values, or row indices and their values. */
  public long byteSize() {
    return dense != null ? 8L * dense.length : 4L * rows.length + 8L * rowValues.length;
  }

  /**
   * {@code this + other} (same shape). May reuse this object's dense array; {@code other} is left
   * as it was.
   */
  public RowSums plus(RowSums other) {
    if (other.numRows != numRows || other.rowLength != rowLength) {
      throw new IllegalArgumentException("cannot add sums of " + other.numRows + " x " + other.rowLength
          + " to sums of " + numRows + " x " + rowLength);
    }
    if (dense != null) {
      other.addInto(dense);
      return this;
    }
    if (other.dense != null) {
      double[] sum = toDense();
      for (int i = 0; i < sum.length; i++) {
        sum[i] += other.dense[i];
      }
      return new RowSums(numRows, rowLength, sum, null, null);
    }
    return mergeRows(other);
  }

  /** Adds these sums into a dense row-major array of the same shape. */
  public void addInto(double[] target) {
    if (dense != null) {
      for (int i = 0; i < target.length; i++) {
        target[i] += dense[i];
      }
      return;
    }
    for (int i = 0; i < rows.length; i++) {
      int base = rows[i] * rowLength;
      for (int j = 0; j < rowLength; j++) {
        target[base + j] += rowValues[i * rowLength + j];
      }
    }
  }

  private RowSums mergeRows(RowSums other) {
    int[] a = rows;
    int[] b = other.rows;
    int[] merged = new int[a.length + b.length];
    int n = 0;
    for (int i = 0, j = 0; i < a.length || j < b.length; ) {
      if (j == b.length || (i < a.length && a[i] < b[j])) {
        merged[n++] = a[i++];
      } else if (i == a.length || b[j] < a[i]) {
        merged[n++] = b[j++];
      } else {
        merged[n++] = a[i++];
        j++;
      }
    }
    if (!worthHoldingAsRows(n, numRows)) {
      double[] sum = toDense();
      other.addInto(sum);
      return new RowSums(numRows, rowLength, sum, null, null);
    }
    double[] values = new double[n * rowLength];
    int rl = rowLength;
    for (int k = 0, i = 0, j = 0; k < n; k++) {
      int row = merged[k];
      boolean inA = i < a.length && a[i] == row;
      boolean inB = j < b.length && b[j] == row;
      for (int c = 0; c < rl; c++) {
        double x = inA ? rowValues[i * rl + c] : 0.0;
        double y = inB ? other.rowValues[j * rl + c] : 0.0;
        values[k * rl + c] = x + y;
      }
      i += inA ? 1 : 0;
      j += inB ? 1 : 0;
    }
    return new RowSums(numRows, rowLength, null, Arrays.copyOf(merged, n), values);
  }

  /** Bytes {@link #writeTo} writes: a header, then the dense values or the rows and their values. */
  public int encodedSize() {
    return 9 + (dense != null ? 8 * dense.length : 4 + 4 * rows.length + 8 * rowValues.length);
  }

  /**
   * Writes these sums in a compact binary form ({@link #encodedSize()} bytes, every bit of every
   * value kept), which {@link #readFrom} reads back: the engine's per-step messages, instead of
   * Java serialization.
   */
  public void writeTo(ByteBuffer out) {
    out.putInt(numRows).putInt(rowLength).put((byte) (dense != null ? 1 : 0));
    if (dense != null) {
      out.asDoubleBuffer().put(dense);
      out.position(out.position() + 8 * dense.length);
      return;
    }
    out.putInt(rows.length);
    out.asIntBuffer().put(rows);
    out.position(out.position() + 4 * rows.length);
    out.asDoubleBuffer().put(rowValues);
    out.position(out.position() + 8 * rowValues.length);
  }

  /** Reads sums that {@link #writeTo} wrote, advancing {@code in} past them. */
  public static RowSums readFrom(ByteBuffer in) {
    int numRows = in.getInt();
    int rowLength = in.getInt();
    boolean isDense = in.get() != 0;
    if (isDense) {
      double[] values = new double[Math.multiplyExact(numRows, rowLength)];
      in.asDoubleBuffer().get(values);
      in.position(in.position() + 8 * values.length);
      return new RowSums(numRows, rowLength, values, null, null);
    }
    int[] rows = new int[in.getInt()];
    in.asIntBuffer().get(rows);
    in.position(in.position() + 4 * rows.length);
    double[] values = new double[Math.multiplyExact(rows.length, rowLength)];
    in.asDoubleBuffer().get(values);
    in.position(in.position() + 8 * values.length);
    return new RowSums(numRows, rowLength, null, rows, values);
  }

  private void requireDense(boolean wanted) {
    if ((dense != null) != wanted) {
      throw new IllegalStateException("these sums are held " + (dense != null ? "dense" : "as rows"));
    }
  }

  @Override
  public String toString() {
    return "RowSums(" + numRows + " x " + rowLength + ", " + (dense != null ? "dense" : rows.length + " rows") + ")";
  }
}
