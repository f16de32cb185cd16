package io.meshgrad.loss;

import io.meshgrad.support.Checks;

/**
 * Multinomial logistic (softmax cross-entropy) loss on the logits {@code m_ik = sum_j x_ij W_jk +
 * b_k}, labels {@code y_i} in {0, ..., K-1}:
 *
 * <pre>
 *   loss_i    = log(sum_k exp(m_ik)) - m_{i,y_i}
 *   objective = sum_i a_i loss_i / sum_i a_i + (regParam / 2) ||W||^2
 *   d loss_i / d m_ik = softmax(m_i)_k - [k == y_i]
 * </pre>
 *
 * The softmax is shifted by the row's largest logit, so no exponential overflows. Dense blocks
 * compute the margins and the gradient with one {@code dgemm} each.
 */
public final class MultinomialLogisticLoss implements BlockLoss {
  private static final long serialVersionUID = 1L;

  private final int numClasses;
  private transient double[] buffer;

  /** A softmax loss over {@code numClasses >= 2} classes. */
  public MultinomialLogisticLoss(int numClasses) {
    Checks.require(
        numClasses >= 2,
        "numClasses must be >= 2 for the multinomial logistic loss, got " + numClasses);
    this.numClasses = numClasses;
  }

  /** {@code K}, the number of classes. */
  public int numClasses() {
    return numClasses;
  }

  @Override
  public int numOutputs() {
    return numClasses;
  }

  @Override
  public void validateLabel(double label) {
    Checks.require(isValidLabel(label), labelMessage(label));
  }

  @Override
  public double accumulate(
      InstanceBlock block,
      double[] coefficients,
      double[] intercept,
      double[] coefGrad,
      double[] interceptGrad) {
    int k = numClasses;
    Margins.checkParameters(block, k, coefficients, intercept, coefGrad, interceptGrad);
    int n = block.numRows();
    double[] g = scratch(Math.multiplyExact(n, k));
    Margins.computeMulti(block, coefficients, intercept, k, g);
    double[] labels = block.labels();
    double[] weights = block.weights();
    double lossSum = 0.0;
    for (int i = 0; i < n; i++) {
      double label = labels[i];
      if (!isValidLabel(label)) {
        throw new IllegalArgumentException("block row " + i + ": " + labelMessage(label));
      }
      int y = (int) label;
      double a = weights == null ? 1.0 : weights[i];
      int row = i * k;
      double max = g[row];
      for (int c = 1; c < k; c++) {
        max = Math.max(max, g[row + c]);
      }
      double marginOfLabel = g[row + y];
      double sumExp = 0.0;
      for (int c = 0; c < k; c++) {
        double e = Math.exp(g[row + c] - max);
        g[row + c] = e;
        sumExp += e;
      }
      lossSum += a * (Math.log(sumExp) - (marginOfLabel - max));
      for (int c = 0; c < k; c++) {
        double multiplier = a * (g[row + c] / sumExp - (c == y ? 1.0 : 0.0));
        g[row + c] = multiplier;
        if (interceptGrad != null) {
          interceptGrad[c] += multiplier;
        }
      }
    }
    Margins.addTransposedMulti(block, g, k, coefGrad);
    return lossSum;
  }

  @Override
  public String toString() {
    return "MultinomialLogisticLoss(numClasses=" + numClasses + ")";
  }

  private boolean isValidLabel(double label) {
    return label >= 0.0 && label < numClasses && label == Math.rint(label);
  }

  private String labelMessage(double label) {
    return "label must be an integer in [0, " + (numClasses - 1) + "] (numClasses = " + numClasses
        + ") for the multinomial logistic loss, got " + label;
  }

  private double[] scratch(int length) {
    if (buffer == null || buffer.length < length) {
      buffer = new double[length];
    }
    return buffer;
  }
}
