package io.meshgrad.runtime;

/**
 * The weights a partition's sums of one step read, widened to double: a variable whole, or just
 * some of its rows. The job path holds every variable whole as shipped ({@link #of}); the engine's
 * tasks gather the rows a sparse step touches straight from their float tensors, so they need no
 * whole widened copy of a variable that only ever gives rows. Either way the values are the exact
 * double of each element, so the sums are the same bit for bit.
 */
public interface StepWeights {
  /** Number of variables, in the loss's variable order. */
  int size();

  /** Variable {@code v}'s whole value widened to double (read only: the caller must not write it). */
  double[] whole(int v);

  /**
   * Rows {@code rows} ({@code rowLength} values each) of variable {@code v}'s row-major value,
   * widened to double, in that order: a new array of {@code rows.length * rowLength} values.
   */
  double[] rows(int v, int[] rows, int rowLength);

  /** Every variable whole ({@link #whole} of each). */
  default double[][] wholeAll() {
    double[][] w = new double[size()][];
    for (int v = 0; v < w.length; v++) {
      w[v] = whole(v);
    }
    return w;
  }

  /** Weights held whole as {@code w} (each variable's value widened to double, in the loss's order). */
  static StepWeights of(double[][] w) {
    return new StepWeights() {
      @Override
      public int size() {
        return w.length;
      }

      @Override
      public double[] whole(int v) {
        return w[v];
      }

      @Override
      public double[] rows(int v, int[] rows, int rowLength) {
        double[] values = w[v];
        double[] out = new double[rows.length * rowLength];
        if (rowLength == 1) {
          for (int i = 0; i < rows.length; i++) {
            out[i] = values[rows[i]];
          }
          return out;
        }
        for (int i = 0; i < rows.length; i++) {
          System.arraycopy(values, rows[i] * rowLength, out, i * rowLength, rowLength);
        }
        return out;
      }

      @Override
      public double[][] wholeAll() {
        return w;
      }
    };
  }
}
