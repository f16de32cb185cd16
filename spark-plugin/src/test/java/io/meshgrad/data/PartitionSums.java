package io.meshgrad.data;

import io.meshgrad.loss.BlockLoss;
import io.meshgrad.loss.GradientSum;
import io.meshgrad.loss.InstanceBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference sums of one data partition for the tests: the loss and gradient sums of a linear
 * model over the rows a partition contributes to one step (the old linear path's sums, which the
 * runtime's step must reproduce).
 */
public final class PartitionSums {
  private PartitionSums() {}

  /**
   * The loss and gradient sums over the rows {@code partition} contributes to step {@code step} of
   * {@code plan}, at the given parameters, over the blocks {@link PartitionRows#forEachBatchBlock}
   * passes. An empty slice gives zero sums.
   *
   * @param coefficients {@code W}, length {@code numFeatures * loss.numOutputs()}
   * @param intercept {@code b}, length {@code loss.numOutputs()} when {@code fitIntercept}, else
   *     {@code null}
   * @throws IllegalArgumentException if the plan was not made for this partition's row count, or
   *     the parameters have the wrong shape
   */
  public static GradientSum gradientSum(
      PartitionRows partition,
      BlockLoss loss,
      BatchPlan plan,
      long step,
      double[] coefficients,
      double[] intercept,
      boolean fitIntercept) {
    if (loss == null || plan == null) {
      throw new IllegalArgumentException(
          "loss and plan must be non-null, got " + loss + " and " + plan);
    }
    List<InstanceBlock> blocks = new ArrayList<>();
    partition.forEachBatchBlock(plan, step, blocks::add); // checks the plan first
    checkParameters(partition.numFeatures(), loss.numOutputs(), coefficients, intercept, fitIntercept);
    GradientSum sums = new GradientSum(partition.numFeatures(), loss.numOutputs(), fitIntercept);
    for (InstanceBlock block : blocks) {
      sums.add(loss, block, coefficients, intercept);
    }
    return sums;
  }

  private static void checkParameters(
      int numFeatures, int numOutputs, double[] coefficients, double[] intercept, boolean fitIntercept) {
    long coefLength = (long) numFeatures * numOutputs;
    if (coefficients == null || coefficients.length != coefLength) {
      throw new IllegalArgumentException(
          "coefficients must have length " + coefLength + " (numFeatures " + numFeatures
              + " x numOutputs " + numOutputs + "), got "
              + (coefficients == null ? "null" : "length " + coefficients.length));
    }
    if (!fitIntercept && intercept != null) {
      throw new IllegalArgumentException(
          "intercept must be null when fitIntercept is false, got an array of length "
              + intercept.length);
    }
    if (fitIntercept && (intercept == null || intercept.length != numOutputs)) {
      throw new IllegalArgumentException(
          "intercept must have length " + numOutputs + " (numOutputs) when fitIntercept, got "
              + (intercept == null ? "null" : "length " + intercept.length));
    }
  }
}
