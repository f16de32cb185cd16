package io.meshgrad.loss;

/**
 * Base of the single-output losses {@code loss_i = l(m_i, y_i)} of the margin {@code m_i = w.x_i +
 * b}: per block, one pass computes the margins ({@code dgemv} when dense), {@link
 * #lossAndMultipliers} turns them into {@code a_i dl/dm_i}, and a second pass adds {@code X^T} of
 * those into the gradient. Models with other margins (factorization machines) use {@link
 * #lossAndMultipliers} on their own margins, so each loss's math exists once.
 */
public abstract class ScalarMarginLoss implements BlockLoss {
  private static final long serialVersionUID = 1L;

  private transient double[] buffer;

  @Override
  public final int numOutputs() {
    return 1;
  }

  @Override
  public final double accumulate(
      InstanceBlock block,
      double[] coefficients,
      double[] intercept,
      double[] coefGrad,
      double[] interceptGrad) {
    Margins.checkParameters(block, 1, coefficients, intercept, coefGrad, interceptGrad);
    int n = block.numRows();
    double[] g = scratch(n);
    Margins.compute(block, coefficients, intercept == null ? 0.0 : intercept[0], g);
    double lossSum = lossAndMultipliers(g, n, block.labels(), block.weights());
    if (interceptGrad != null) {
      double sum = 0.0;
      for (int i = 0; i < n; i++) {
        sum += g[i];
      }
      interceptGrad[0] += sum;
    }
    Margins.addTransposed(block, g, coefGrad);
    return lossSum;
  }

  /**
   * Replaces each margin {@code m[i]} ({@code i < n}) by {@code a_i * dl/dm (m_i, y_i)} and returns
   * {@code sum_i a_i * l(m_i, y_i)}.
   *
   * @param weights the weights {@code a_i}, or {@code null} when all are 1
   */
  public abstract double lossAndMultipliers(double[] m, int n, double[] labels, double[] weights);

  private double[] scratch(int n) {
    if (buffer == null || buffer.length < n) {
      buffer = new double[n];
    }
    return buffer;
  }
}
