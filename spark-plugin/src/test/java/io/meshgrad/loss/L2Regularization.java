package io.meshgrad.loss;

import io.meshgrad.support.Checks;

/**
 * Turns a {@link GradientSum} into the L2-regularised mean objective:
 *
 * <pre>
 *   value          = lossSum / weightSum + (regParam / 2) ||W||^2
 *   coefGradient   = coefGrad / weightSum + regParam * W
 *   interceptGrad  = interceptGrad / weightSum        (the intercept is never regularised)
 * </pre>
 */
public final class L2Regularization {
  private L2Regularization() {}

  /**
   * The objective and its gradient.
   *
   * @param sums the loss and gradient sums over all rows, at {@code coefficients}
   * @param coefficients {@code W}, of length {@code numFeatures * numOutputs}
   * @param regParam L2 strength, finite and {@code >= 0}
   * @throws IllegalArgumentException when the sums have zero total weight
   */
  public static LossAndGradient objective(
      GradientSum sums, double[] coefficients, double regParam) {
    Checks.require(sums != null, "sums must be non-null, got null");
    Checks.require(
        Double.isFinite(regParam) && regParam >= 0.0,
        "regParam must be finite and >= 0, got " + regParam);
    double[] coefGradSum = sums.coefGradView();
    Checks.length(coefficients, coefGradSum.length, "coefficients (numFeatures * numOutputs)");
    double weightSum = sums.weightSum();
    Checks.require(
        weightSum > 0.0,
        "the batch has zero total weight: the sum of row weights must be > 0, got " + weightSum
            + " over " + sums.count() + " rows");
    double norm2 = 0.0;
    double[] coefGradient = new double[coefGradSum.length];
    for (int j = 0; j < coefGradient.length; j++) {
      double w = coefficients[j];
      norm2 += w * w;
      coefGradient[j] = coefGradSum[j] / weightSum + regParam * w;
    }
    double[] interceptGradSum = sums.interceptGradView();
    double[] interceptGradient = null;
    if (interceptGradSum != null) {
      interceptGradient = new double[interceptGradSum.length];
      for (int k = 0; k < interceptGradient.length; k++) {
        interceptGradient[k] = interceptGradSum[k] / weightSum;
      }
    }
    double value = sums.lossSum() / weightSum + 0.5 * regParam * norm2;
    return new LossAndGradient(value, coefGradient, interceptGradient);
  }
}
