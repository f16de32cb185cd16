package io.meshgrad.loss;

import io.meshgrad.support.Checks;

/**
 * Hinge loss of the margin {@code m_i = w.x_i + b}, labels {@code y_i} in {0, 1} mapped to signs
 * {@code s_i = 2 y_i - 1}:
 *
 * <pre>
 *   loss_i    = max(0, 1 - s_i m_i)
 *   objective = sum_i a_i loss_i / sum_i a_i + (regParam / 2) ||w||^2
 *   d loss_i / d m_i = -s_i if 1 - s_i m_i &gt; 0, else 0 (the subgradient 0 at the kink)
 * </pre>
 */
public final class HingeLoss extends ScalarMarginLoss {
  private static final long serialVersionUID = 1L;

  @Override
  public void validateLabel(double label) {
    Checks.require(
        label == 0.0 || label == 1.0, "label must be 0 or 1 for the hinge loss, got " + label);
  }

  @Override
  public double lossAndMultipliers(double[] m, int n, double[] labels, double[] weights) {
    double lossSum = 0.0;
    for (int i = 0; i < n; i++) {
      double a = weights == null ? 1.0 : weights[i];
      double sign = 2.0 * labels[i] - 1.0;
      double slack = 1.0 - sign * m[i];
      if (slack > 0.0) {
        lossSum += a * slack;
        m[i] = -a * sign;
      } else {
        m[i] = 0.0;
      }
    }
    return lossSum;
  }

  @Override
  public String toString() {
    return "HingeLoss";
  }
}
