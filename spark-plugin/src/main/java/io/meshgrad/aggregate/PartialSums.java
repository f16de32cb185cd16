package io.meshgrad.aggregate;

import java.io.Serializable;

/**
 * What one data partition contributes to a step: {@code sum_i a_i loss_i}, {@code sum_i a_i} and,
 * per variable, {@code sum_i a_i d loss_i / d w} over its share of the batch, as whole row-major
 * arrays ({@code null} where the partition's rows do not touch the variable). Unnormalised and
 * unregularised: see {@link ObjectiveGradient}. (A class, not a record: Spark's Kryo serializer
 * cannot rebuild records.)
 */
public final class PartialSums implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int source;
  private final double lossSum;
  private final double weightSum;
  private final long count;
  private final double[][] gradients;

  /** @param count number of rows summed */
  public PartialSums(int source, double lossSum, double weightSum, long count, double[][] gradients) {
    this.source = source;
    this.lossSum = lossSum;
    this.weightSum = weightSum;
    this.count = count;
    this.gradients = gradients;
  }

  /** The data partition these sums come from. */
  public int source() {
    return source;
  }

  public double lossSum() {
    return lossSum;
  }

  public double weightSum() {
    return weightSum;
  }

  /** Number of rows summed. */
  public long count() {
    return count;
  }

  /** Size of the gradient arrays in bytes (what this partial costs to ship). */
  public long byteSize() {
    long n = 0;
    for (double[] g : gradients) {
      n += g == null ? 0 : 8L * g.length;
    }
    return n;
  }

  /** Per variable, the gradient sums (live arrays), or {@code null}. */
  public double[][] gradients() {
    return gradients;
  }

  /** Adds {@code other} into this one's arrays and returns the sum; the caller fixes the order. */
  public PartialSums plus(PartialSums other) {
    double[][] g = gradients;
    for (int v = 0; v < g.length; v++) {
      double[] o = other.gradients[v];
      if (o == null) {
        continue;
      }
      if (g[v] == null) {
        g[v] = o.clone();
      } else {
        double[] a = g[v];
        for (int i = 0; i < a.length; i++) {
          a[i] += o[i];
        }
      }
    }
    return new PartialSums(source, lossSum + other.lossSum, weightSum + other.weightSum, count + other.count, g);
  }
}
