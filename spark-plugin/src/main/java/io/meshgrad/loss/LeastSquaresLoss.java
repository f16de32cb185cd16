package io.meshgrad.loss;

import io.meshgrad.support.Checks;

/**
 * Least squares loss of the prediction {@code m_i = w.x_i + b}, any finite label {@code y_i}:
 *
 * <pre>
 *   loss_i    = (m_i - y_i)^2 / 2
 *   objective = sum_i a_i (m_i - y_i)^2 / (2 sum_i a_i) + (regParam / 2) ||w||^2
 *   d loss_i / d m_i = m_i - y_i
 * </pre>
 */
public final class LeastSquaresLoss extends ScalarMarginLoss {
  private static final long serialVersionUID = 1L;

  @Override
  public void validateLabel(double label) {
    Checks.require(
        Double.isFinite(label), "label must be finite for the least squares loss, got " + label);
  }

  @Override
  public double lossAndMultipliers(double[] m, int n, double[] labels, double[] weights) {
    double lossSum = 0.0;
    for (int i = 0; i < n; i++) {
      double a = weights == null ? 1.0 : weights[i];
      double residual = m[i] - labels[i];
      lossSum += a * residual * residual;
      m[i] = a * residual;
    }
    return 0.5 * lossSum;
  }

  @Override
  public String toString() {
    return "LeastSquaresLoss";
  }
}
