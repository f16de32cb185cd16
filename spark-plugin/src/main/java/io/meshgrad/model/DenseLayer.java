package io.meshgrad.model;

import dev.ludovic.netlib.blas.BLAS;
import java.io.Serializable;

/**
 * A fully connected layer {@code z = x W + b} over a block of rows, with its hand-derived backward
 * pass. The kernel {@code W} is {@code [in, out]} and the bias {@code b} is {@code [out]}, both
 * row-major; inputs, outputs and deltas are row-major {@code rows x in} / {@code rows x out}. Dense
 * inputs go through one netlib {@code dgemm} per pass (a row-major {@code [a, b]} matrix is the
 * column-major {@code b x a} one, so no transposed copy is made); a CSR input (the first layer of
 * sparse rows) is walked by its non-zeros. Holds no buffers: the caller passes them.
 */
final class DenseLayer implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final BLAS BLAS_INSTANCE = BLAS.getInstance();

  private final int in;
  private final int out;

  DenseLayer(int in, int out) {
    if (in < 1 || out < 1) {
      throw new IllegalArgumentException("a dense layer needs in >= 1 and out >= 1, got in=" + in + ", out=" + out);
    }
    this.in = in;
    this.out = out;
  }

  /** {@code z = x W + b} for {@code rows} dense rows starting at {@code x[xOffset]}. */
  void forward(double[] x, int xOffset, int rows, double[] kernel, double[] bias, double[] z) {
    fillBias(rows, bias, z);
    BLAS_INSTANCE.dgemm("N", "N", out, rows, in, 1.0, kernel, 0, out, x, xOffset, in, 1.0, z, 0, out);
  }

  /** {@code z = x W + b} for CSR rows {@code from .. from + rows - 1}. */
  void forwardSparse(int[] rowPtr, int[] cols, double[] values, int from, int rows, double[] kernel, double[] bias,
      double[] z) {
    fillBias(rows, bias, z);
    for (int r = 0; r < rows; r++) {
      int zBase = r * out;
      for (int p = rowPtr[from + r]; p < rowPtr[from + r + 1]; p++) {
        double v = values[p];
        int wBase = cols[p] * out;
        for (int j = 0; j < out; j++) {
          z[zBase + j] += v * kernel[wBase + j];
        }
      }
    }
  }

  private void fillBias(int rows, double[] bias, double[] z) {
    for (int r = 0; r < rows; r++) {
      System.arraycopy(bias, 0, z, r * out, out);
    }
  }

  /**
   * Adds {@code x^T dz} to {@code gradKernel} and the column sums of {@code dz} to {@code
   * gradBias}; when {@code dx} is not null, sets it to {@code dz W^T} (the delta of the input).
   */
  void backward(double[] x, int xOffset, int rows, double[] dz, double[] kernel, double[] gradKernel,
      double[] gradBias, double[] dx) {
    BLAS_INSTANCE.dgemm("N", "T", out, in, rows, 1.0, dz, 0, out, x, xOffset, in, 1.0, gradKernel, 0, out);
    addBiasGradient(rows, dz, gradBias);
    if (dx != null) {
      BLAS_INSTANCE.dgemm("T", "N", in, rows, out, 1.0, kernel, 0, out, dz, 0, out, 0.0, dx, 0, in);
    }
  }

  /** As {@link #backward} for CSR rows {@code from .. from + rows - 1}, without the input delta. */
  void backwardSparse(int[] rowPtr, int[] cols, double[] values, int from, int rows, double[] dz,
      double[] gradKernel, double[] gradBias) {
    for (int r = 0; r < rows; r++) {
      int dBase = r * out;
      for (int p = rowPtr[from + r]; p < rowPtr[from + r + 1]; p++) {
        double v = values[p];
        int gBase = cols[p] * out;
        for (int j = 0; j < out; j++) {
          gradKernel[gBase + j] += v * dz[dBase + j];
        }
      }
    }
    addBiasGradient(rows, dz, gradBias);
  }

  private void addBiasGradient(int rows, double[] dz, double[] gradBias) {
    for (int r = 0; r < rows; r++) {
      int base = r * out;
      for (int j = 0; j < out; j++) {
        gradBias[j] += dz[base + j];
      }
    }
  }

  @Override
  public String toString() {
    return "Dense(" + in + " -> " + out + ")";
  }
}
