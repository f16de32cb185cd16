package io.meshgrad.runtime;

import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;

/**
 * Turns summed per-row gradients into the gradient of the objective
 * {@code L = sum_i a_i loss_i / sum_i a_i + sum over regularised variables of a} {@link Penalty}
 * {@code (l2/2) ||w||^2 + l1 ||w||_1}: {@code g = sum / weightSum + l2 * w + l1 * sign(w)}, rounded
 * to the variable's dtype. The same code serves
 * a whole variable on the driver and one shard on an executor. When the sum touches few rows of
 * an unregularised variable the gradient is sparse ({@link IndexedSlices} of the touched rows,
 * Keras' sparse path), otherwise dense.
 */
public final class ObjectiveGradient {
  /** A sum touching at most this fraction of rows becomes a sparse gradient. */
  static final double SPARSE_ROW_FRACTION = 0.25;

  private ObjectiveGradient() {}

  /**
   * @param sum the sums over the variable (or shard) of shape {@code shape}, rows along axis 0
   * @param weightSum {@code sum_i a_i} over the whole batch
   * @param penalty the variable's regularisation, {@link Penalty#NONE} for an unregularised one
   * @param value the variable's (shard's) current value; read only when the penalty is not zero
   */
  public static Gradient of(RowSums sum, double weightSum, Penalty penalty, Tensor value, int[] shape, DType dtype) {
    requirePositiveWeight(weightSum);
    if (penalty.isZero() && shape.length > 0 && shape[0] > 0) {
      Gradient sparse = sum.isDense()
          ? sparseOf(sum.denseValues(), nonZeroRows(sum.denseValues(), shape[0], sum.rowLength()), null, weightSum, shape, dtype)
          : sparseOf(sum.rowValues(), nonZeroRows(sum.rowValues(), sum.rows().length, sum.rowLength()), sum.rows(),
              weightSum, shape, dtype);
      if (sparse != null) {
        return sparse;
      }
    }
    double[] dense = sum.toDense();
    double[] g = new double[dense.length];
    for (int i = 0; i < g.length; i++) {
      g[i] = dense[i] / weightSum + (penalty.isZero() ? 0 : penalty.gradient(value.get(i)));
    }
    return Tensor.fromDoubles(dtype, g, shape);
  }

  /**
   * The rows {@code positions} of {@code values} (row {@code p} of {@code values} is variable row
   * {@code rowIds[p]}, or {@code p} when {@code rowIds} is null) as {@link IndexedSlices} divided
   * by the weight sum; {@code null} when they are too many for a sparse gradient.
   */
  private static Gradient sparseOf(double[] values, int[] positions, int[] rowIds, double weightSum, int[] shape,
      DType dtype) {
    if (positions.length > SPARSE_ROW_FRACTION * shape[0]) {
      return null;
    }
    int rowLength = Math.toIntExact(Tensor.numElements(shape) / shape[0]);
    int[] rows = new int[positions.length];
    double[] out = new double[positions.length * rowLength];
    for (int r = 0; r < positions.length; r++) {
      rows[r] = rowIds == null ? positions[r] : rowIds[positions[r]];
      for (int j = 0; j < rowLength; j++) {
        out[r * rowLength + j] = values[positions[r] * rowLength + j] / weightSum;
      }
    }
    int[] valuesShape = shape.clone();
    valuesShape[0] = rows.length;
    return new IndexedSlices(rows, Tensor.fromDoubles(dtype, out, valuesShape), shape);
  }

  /** The objective's value: {@code lossSum / weightSum + penaltyValue} (see {@link DatasetLoss#penaltyValue}). */
  public static double value(double lossSum, double weightSum, double penaltyValue) {
    requirePositiveWeight(weightSum);
    return lossSum / weightSum + penaltyValue;
  }

  private static void requirePositiveWeight(double weightSum) {
    if (!(weightSum > 0)) {
      throw new IllegalArgumentException("the batch has zero total weight (sum of the weight column over the "
          + "batch must be > 0, got " + weightSum + ")");
    }
  }

  /** Positions of the rows of a row-major array that hold a non-zero. */
  static int[] nonZeroRows(double[] sum, int numRows, int rowLength) {
    int[] rows = new int[numRows];
    int n = 0;
    for (int r = 0; r < numRows; r++) {
      for (int j = 0; j < rowLength; j++) {
        if (sum[r * rowLength + j] != 0) {
          rows[n++] = r;
          break;
        }
      }
    }
    return java.util.Arrays.copyOf(rows, n);
  }
}
