package io.meshgrad.model;

/**
 * The output layer of a classifier: softmax over {@code K} logits and the cross-entropy with the
 * label's class, {@code loss_i = log(sum_k exp(z_ik)) - z_{i,y_i}}, whose delta is {@code
 * softmax(z_i) - onehot(y_i)}. The softmax is shifted by the row's largest logit, so no exponential
 * overflows.
 */
final class SoftmaxCrossEntropy implements OutputLayer {
  private static final long serialVersionUID = 1L;

  private final int numClasses;

  SoftmaxCrossEntropy(int numClasses) {
    if (numClasses < 2) {
      throw new IllegalArgumentException("softmax cross-entropy needs >= 2 classes, got " + numClasses);
    }
    this.numClasses = numClasses;
  }

  @Override
  public int numOutputs() {
    return numClasses;
  }

  /** Checks that {@code label} is a class index 0, 1, ..., K-1. */
  @Override
  public void validateLabel(double label) {
    validateLabel(label, numClasses);
  }

  /** Checks that {@code label} is a class index 0, 1, ..., numClasses-1. */
  static void validateLabel(double label, int numClasses) {
    if (!(label >= 0 && label < numClasses && label == Math.rint(label))) {
      throw new IllegalArgumentException("label must be a class index 0, 1, ..., " + (numClasses - 1)
          + " (" + numClasses + " classes), got " + label);
    }
  }

  /**
   * Overwrites the logits {@code z} of {@code rows} rows with their weighted deltas {@code a_i
   * (softmax(z_i) - onehot(y_i))} and returns {@code sum_i a_i loss_i}.
   *
   * @param labels labels of the block, row {@code r} at {@code labels[from + r]}
   * @param weights row weights of the block, or {@code null} for all 1
   */
  @Override
  public double lossAndDelta(double[] z, int rows, double[] labels, double[] weights, int from) {
    int k = numClasses;
    double lossSum = 0.0;
    for (int r = 0; r < rows; r++) {
      int base = r * k;
      int y = (int) labels[from + r];
      double a = weights == null ? 1.0 : weights[from + r];
      double logitOfLabel = z[base + y];
      double logSumExp = softmax(z, base, k);
      lossSum += a * (logSumExp - logitOfLabel);
      for (int j = 0; j < k; j++) {
        z[base + j] = a * (z[base + j] - (j == y ? 1.0 : 0.0));
      }
    }
    return lossSum;
  }

  /**
   * Replaces {@code z[base .. base + k - 1]} (one row of logits) by its softmax, in place, and
   * returns the row's {@code log(sum_j exp(z_j))}.
   */
  static double softmax(double[] z, int base, int k) {
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < k; j++) {
      max = Math.max(max, z[base + j]);
    }
    double sum = 0.0;
    for (int j = 0; j < k; j++) {
      double e = Math.exp(z[base + j] - max);
      z[base + j] = e;
      sum += e;
    }
    for (int j = 0; j < k; j++) {
      z[base + j] /= sum;
    }
    return max + Math.log(sum);
  }
}
