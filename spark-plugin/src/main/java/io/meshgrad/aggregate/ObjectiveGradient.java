package io.meshgrad.aggregate;

import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;

/**
 * Turns summed per-row gradients into the gradient of the objective
 * {@code L = sum_i a_i loss_i / sum_i a_i + (regParam/2) * sum over regularised variables ||w||^2}:
 * {@code g = sum / weightSum + regParam * w}, rounded to the variable's dtype. The same code serves
 * a whole variable on the driver and one shard on an executor. When the sum touches few rows of
 * an unregularised variable the gradient is sparse ({@link IndexedSlices} of the touched rows,
 * Keras' sparse path), otherwise dense.
 */
public final class ObjectiveGradient {
  /** A sum touching at most this fraction of rows becomes a sparse gradient. */
  static final double SPARSE_ROW_FRACTION = 0.25;

  private ObjectiveGradient() {}

  /**
   * @param sum dense sums, row-major, of the variable (or shard) of shape {@code shape}
   * @param weightSum {@code sum_i a_i} over the whole batch
   * @param regParam L2 strength, 0 for none or for an unregularised variable
   * @param value the variable's (shard's) current value; read only when {@code regParam > 0}
   */
  public static Gradient of(double[] sum, double weightSum, double regParam, Tensor value, int[] shape, DType dtype) {
    requirePositiveWeight(weightSum);
    if (regParam == 0 && shape.length > 0 && shape[0] > 0) {
      int rowLength = sum.length / shape[0];
      int[] rows = nonZeroRows(sum, shape[0], rowLength);
      if (rows.length <= SPARSE_ROW_FRACTION * shape[0]) {
        double[] values = new double[rows.length * rowLength];
        for (int r = 0; r < rows.length; r++) {
          for (int j = 0; j < rowLength; j++) {
            values[r * rowLength + j] = sum[rows[r] * rowLength + j] / weightSum;
          }
        }
        int[] valuesShape = shape.clone();
        valuesShape[0] = rows.length;
        return new IndexedSlices(rows, Tensor.fromDoubles(dtype, values, valuesShape), shape);
      }
    }
    double[] g = new double[sum.length];
    for (int i = 0; i < g.length; i++) {
      g[i] = sum[i] / weightSum + (regParam == 0 ? 0 : regParam * value.get(i));
    }
    return Tensor.fromDoubles(dtype, g, shape);
  }

  /** The objective's value: {@code lossSum / weightSum + (regParam/2) * sum of squares of the regularised weights}. */
  public static double value(double lossSum, double weightSum, double regParam, double regularisedSquares) {
    requirePositiveWeight(weightSum);
    return lossSum / weightSum + regParam / 2 * regularisedSquares;
  }

  private static void requirePositiveWeight(double weightSum) {
    if (!(weightSum > 0)) {
      throw new IllegalArgumentException("the batch has zero total weight (sum of the weight column over the "
          + "batch must be > 0, got " + weightSum + ")");
    }
  }

  private static int[] nonZeroRows(double[] sum, int numRows, int rowLength) {
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
