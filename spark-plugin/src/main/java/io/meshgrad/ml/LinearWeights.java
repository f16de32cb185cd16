package io.meshgrad.ml;

import java.io.Serializable;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;

/**
 * The fitted weights of a linear model: {@code K = numOutputs} margins {@code m_k = sum_j x_j
 * W_jk + b_k}, with {@code W} stored row-major as {@code [numFeatures, K]} (element {@code (j,
 * k)} at {@code j * K + k}, the layout of meshgrad's losses) and {@code b} of length {@code K}
 * (zeros without an intercept). Immutable.
 */
final class LinearWeights implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int numFeatures;
  private final int numOutputs;
  private final double[] coefficients;
  private final double[] intercept;

  /**
   * @throws IllegalArgumentException if a size is negative or an array has the wrong length
   */
  LinearWeights(int numFeatures, int numOutputs, double[] coefficients, double[] intercept) {
    if (numFeatures < 0 || numOutputs < 1) {
      throw new IllegalArgumentException("numFeatures must be >= 0 and numOutputs >= 1, got " + numFeatures
          + " and " + numOutputs);
    }
    if (coefficients == null || (long) coefficients.length != (long) numFeatures * numOutputs) {
      throw new IllegalArgumentException("coefficients must hold numFeatures * numOutputs = " + numFeatures + " * "
          + numOutputs + " = " + ((long) numFeatures * numOutputs) + " values, got "
          + (coefficients == null ? "null" : coefficients.length));
    }
    if (intercept == null || intercept.length != numOutputs) {
      throw new IllegalArgumentException("intercept must hold numOutputs = " + numOutputs + " values, got "
          + (intercept == null ? "null" : intercept.length));
    }
    this.numFeatures = numFeatures;
    this.numOutputs = numOutputs;
    this.coefficients = coefficients.clone();
    this.intercept = intercept.clone();
  }

  int numFeatures() {
    return numFeatures;
  }

  int numOutputs() {
    return numOutputs;
  }

  /** A copy of {@code W}, row-major {@code [numFeatures, numOutputs]}. */
  double[] coefficients() {
    return coefficients.clone();
  }

  /** A copy of {@code b}. */
  double[] intercept() {
    return intercept.clone();
  }

  /**
   * The {@code K} margins of one row.
   *
   * @throws IllegalArgumentException if the vector's size is not {@code numFeatures}
   */
  double[] margins(Vector features) {
    if (features == null) {
      throw new IllegalArgumentException("features must be a vector, got null");
    }
    if (features.size() != numFeatures) {
      throw new IllegalArgumentException("the features vector has size " + features.size()
          + ", but the model was trained on " + numFeatures + " features");
    }
    int k = numOutputs;
    double[] out = intercept.clone();
    if (features instanceof SparseVector sv) {
      int[] indices = sv.indices();
      double[] values = sv.values();
      for (int p = 0; p < values.length; p++) {
        addRow(values[p], indices[p] * k, out);
      }
    } else {
      double[] values = features instanceof DenseVector dv ? dv.values() : features.toArray();
      for (int j = 0; j < values.length; j++) {
        if (values[j] != 0.0) {
          addRow(values[j], j * k, out);
        }
      }
    }
    return out;
  }

  private void addRow(double x, int base, double[] out) {
    for (int c = 0; c < out.length; c++) {
      out[c] += x * coefficients[base + c];
    }
  }
}
