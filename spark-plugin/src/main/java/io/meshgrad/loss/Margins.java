package io.meshgrad.loss;

import io.meshgrad.support.Checks;
import java.util.Arrays;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;

/** Margins {@code X W + b} of blocks and single vectors (see {@link BlockLoss} for the layout). */
final class Margins {
  private Margins() {}

  static void checkParameters(
      InstanceBlock block,
      int k,
      double[] coefficients,
      double[] intercept,
      double[] coefGrad,
      double[] interceptGrad) {
    Checks.require(block != null, "block must be non-null, got null");
    int length = block.numFeatures() * k;
    Checks.length(coefficients, length, "coefficients (numFeatures * numOutputs)");
    Checks.length(coefGrad, length, "coefGrad (numFeatures * numOutputs)");
    checkInterceptPair(intercept, interceptGrad, k);
  }

  /** Checks an intercept / intercept-gradient pair: both null, or both of length {@code k}. */
  private static void checkInterceptPair(double[] intercept, double[] interceptGrad, int k) {
    if (intercept == null || interceptGrad == null) {
      Checks.require(
          intercept == null && interceptGrad == null,
          "intercept and interceptGrad must both be null (no intercept) or both non-null, got "
              + (intercept == null ? "null" : "an array")
              + " and "
              + (interceptGrad == null ? "null" : "an array"));
      return;
    }
    Checks.length(intercept, k, "intercept");
    Checks.length(interceptGrad, k, "interceptGrad");
  }

  /** Margins of one vector, length {@code k}. */
  static double[] of(Vector x, double[] coefficients, double[] intercept, int k) {
    Checks.require(x != null, "features must be a vector, got null");
    int d = x.size();
    Checks.length(coefficients, d * k, "coefficients (features.size * numOutputs)");
    double[] out = new double[k];
    if (intercept != null) {
      Checks.length(intercept, k, "intercept");
      System.arraycopy(intercept, 0, out, 0, k);
    }
    if (x instanceof SparseVector sv) {
      int[] indices = sv.indices();
      double[] values = sv.values();
      for (int p = 0; p < values.length; p++) {
        double v = values[p];
        int base = indices[p] * k;
        for (int c = 0; c < k; c++) {
          out[c] += v * coefficients[base + c];
        }
      }
    } else {
      double[] values = x instanceof DenseVector dv ? dv.values() : x.toArray();
      for (int j = 0; j < d; j++) {
        double v = values[j];
        if (v != 0.0) {
          int base = j * k;
          for (int c = 0; c < k; c++) {
            out[c] += v * coefficients[base + c];
          }
        }
      }
    }
    return out;
  }

  /**
   * Writes the block's single-output margins {@code X w + b} into {@code out[0, numRows)}: one
   * {@code dgemv} for dense blocks, a CSR loop over the non-zeros otherwise.
   */
  static void compute(InstanceBlock block, double[] w, double b, double[] out) {
    int n = block.numRows();
    int d = block.numFeatures();
    if (block.isSparse()) {
      int[] rowPtr = block.rowPtr();
      int[] cols = block.colIndices();
      double[] values = block.csrValues();
      for (int i = 0; i < n; i++) {
        double m = b;
        for (int p = rowPtr[i], end = rowPtr[i + 1]; p < end; p++) {
          m += values[p] * w[cols[p]];
        }
        out[i] = m;
      }
    } else {
      Arrays.fill(out, 0, n, b);
      if (d > 0) {
        // The row-major n x d X is a column-major d x n X^T; "T" multiplies by X.
        Blas.INSTANCE.dgemv("T", d, n, 1.0, block.denseValues(), d, w, 1, 1.0, out, 1);
      }
    }
  }

  /** Adds {@code X^T g} (g: per-row multipliers in {@code g[0, numRows)}) into {@code grad}. */
  static void addTransposed(InstanceBlock block, double[] g, double[] grad) {
    int n = block.numRows();
    int d = block.numFeatures();
    if (block.isSparse()) {
      int[] rowPtr = block.rowPtr();
      int[] cols = block.colIndices();
      double[] values = block.csrValues();
      for (int i = 0; i < n; i++) {
        double gi = g[i];
        if (gi != 0.0) {
          for (int p = rowPtr[i], end = rowPtr[i + 1]; p < end; p++) {
            grad[cols[p]] += gi * values[p];
          }
        }
      }
    } else if (d > 0) {
      Blas.INSTANCE.dgemv("N", d, n, 1.0, block.denseValues(), d, g, 1, 1.0, grad, 1);
    }
  }

  /**
   * Writes the block's {@code K}-output margins {@code X W + b} row-major into {@code out[0, n K)}:
   * one {@code dgemm} for dense blocks, a CSR loop otherwise.
   */
  static void computeMulti(
      InstanceBlock block, double[] w, double[] intercept, int k, double[] out) {
    int n = block.numRows();
    int d = block.numFeatures();
    if (intercept == null) {
      Arrays.fill(out, 0, n * k, 0.0);
    } else {
      for (int i = 0; i < n; i++) {
        System.arraycopy(intercept, 0, out, i * k, k);
      }
    }
    if (block.isSparse()) {
      int[] rowPtr = block.rowPtr();
      int[] cols = block.colIndices();
      double[] values = block.csrValues();
      for (int i = 0; i < n; i++) {
        int row = i * k;
        for (int p = rowPtr[i], end = rowPtr[i + 1]; p < end; p++) {
          double v = values[p];
          int base = cols[p] * k;
          for (int c = 0; c < k; c++) {
            out[row + c] += v * w[base + c];
          }
        }
      }
    } else if (d > 0) {
      // Column-major, M^T (K x n) = W^T (K x d, ld K) * X^T (d x n, ld d): all as stored.
      Blas.INSTANCE.dgemm("N", "N", k, n, d, 1.0, w, k, block.denseValues(), d, 1.0, out, k);
    }
  }

  /** Adds {@code X^T G} (G: row-major {@code n x K} multipliers) into row-major {@code grad}. */
  static void addTransposedMulti(InstanceBlock block, double[] g, int k, double[] grad) {
    int n = block.numRows();
    int d = block.numFeatures();
    if (block.isSparse()) {
      int[] rowPtr = block.rowPtr();
      int[] cols = block.colIndices();
      double[] values = block.csrValues();
      for (int i = 0; i < n; i++) {
        int row = i * k;
        for (int p = rowPtr[i], end = rowPtr[i + 1]; p < end; p++) {
          double v = values[p];
          int base = cols[p] * k;
          for (int c = 0; c < k; c++) {
            grad[base + c] += v * g[row + c];
          }
        }
      }
    } else if (d > 0) {
      // Column-major, grad^T (K x d) += G^T (K x n, ld K) * X (n x d: X^T stored d x n, "T").
      Blas.INSTANCE.dgemm("N", "T", k, d, n, 1.0, g, k, block.denseValues(), d, 1.0, grad, k);
    }
  }
}
