package io.meshgrad.loss;

import io.meshgrad.support.Checks;

/**
 * Binary logistic loss on the logit {@code m_i = w.x_i + b}, labels {@code y_i} in {0, 1}:
 *
 * <pre>
 *   loss_i    = log(1 + exp(m_i)) - y_i m_i
 *   objective = sum_i a_i loss_i / sum_i a_i + (regParam / 2) ||w||^2
 *   d loss_i / d m_i = sigmoid(m_i) - y_i
 * </pre>
 *
 * Evaluated in a form that neither overflows nor cancels for any margin.
 */
public final class BinaryLogisticLoss extends ScalarMarginLoss {
  private static final long serialVersionUID = 1L;

  @Override
  public void validateLabel(double label) {
    Checks.require(
        label == 0.0 || label == 1.0,
        "label must be 0 or 1 for the binary logistic loss, got " + label);
  }

  @Override
  public double lossAndMultipliers(double[] m, int n, double[] labels, double[] weights) {
    double lossSum = 0.0;
    for (int i = 0; i < n; i++) {
      double margin = m[i];
      double y = labels[i];
      double a = weights == null ? 1.0 : weights[i];
      // softplus(+-m) = max(+-m, 0) + log1p(exp(-|m|)) and sigmoid(+-m) from the same
      // e = exp(-|m|), which cannot overflow. Writing
      //   log(1 + exp(m)) - y m = (1 - y) softplus(m) + y softplus(-m),
      //   sigmoid(m) - y        = (1 - y) sigmoid(m)  - y sigmoid(-m)
      // avoids, for y in {0, 1}, the cancellation of softplus(m) - m and sigmoid(m) - 1 at large m.
      double e = Math.exp(-Math.abs(margin));
      double log1pE = Math.log1p(e);
      double r = 1.0 / (1.0 + e);
      boolean positive = margin >= 0.0;
      double softplusPos = (positive ? margin : 0.0) + log1pE;
      double softplusNeg = (positive ? 0.0 : -margin) + log1pE;
      double sigmoidPos = positive ? r : e * r;
      double sigmoidNeg = positive ? e * r : r;
      lossSum += a * ((1.0 - y) * softplusPos + y * softplusNeg);
      m[i] = a * ((1.0 - y) * sigmoidPos - y * sigmoidNeg);
    }
    return lossSum;
  }

  @Override
  public String toString() {
    return "BinaryLogisticLoss";
  }
}
