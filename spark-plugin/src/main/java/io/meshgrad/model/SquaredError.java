package io.meshgrad.model;

/**
 * The output layer of a regressor: one linear unit and the squared error {@code loss_i = (z_i -
 * y_i)^2 / 2} (as the linear {@code LeastSquaresLoss}), whose delta is {@code z_i - y_i}.
 */
final class SquaredError implements OutputLayer {
  private static final long serialVersionUID = 1L;

  @Override
  public int numOutputs() {
    return 1;
  }

  @Override
  public void validateLabel(double label) {
    check(label);
  }

  /** Checks that {@code label} is finite. */
  static void check(double label) {
    if (!Double.isFinite(label)) {
      throw new IllegalArgumentException("label must be finite for the squared error, got " + label);
    }
  }

  @Override
  public double lossAndDelta(double[] z, int rows, double[] labels, double[] weights, int from) {
    double lossSum = 0.0;
    for (int r = 0; r < rows; r++) {
      double a = weights == null ? 1.0 : weights[from + r];
      double residual = z[r] - labels[from + r];
      lossSum += a * residual * residual;
      z[r] = a * residual;
    }
    return 0.5 * lossSum;
  }
}
