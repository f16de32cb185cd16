package io.meshgrad.model;

import io.meshgrad.loss.BlockLoss;
import io.meshgrad.loss.InstanceBlock;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;

/**
 * A linear model as a {@link BlockModel}: margins {@code m = x W + b} and a {@link BlockLoss}
 * (logistic, multinomial, least squares, hinge) on them. Variables: {@code coefficients} ({@code
 * [d]}, or {@code [d, K]} for {@code K > 1} outputs; feature-indexed, L2-regularised) and, when
 * fitted, {@code intercept} ({@code [K]}, replicated on a mesh), both starting at zero. The
 * arithmetic is the block loss's own, so a fit of this model equals {@code
 * MeshTrainer.fit(..., blockLoss, ...)} bit for bit.
 */
public final class LinearModel implements BlockModel {
  private static final long serialVersionUID = 1L;

  private final BlockLoss loss;
  private final int numFeatures;
  private final boolean fitIntercept;

  public LinearModel(BlockLoss loss, int numFeatures, boolean fitIntercept) {
    if (loss == null) {
      throw new IllegalArgumentException("loss must be a BlockLoss, got null");
    }
    if (numFeatures < 1) {
      throw new IllegalArgumentException("numFeatures must be >= 1, got " + numFeatures);
    }
    this.loss = loss;
    this.numFeatures = numFeatures;
    this.fitIntercept = fitIntercept;
  }

  @Override
  public List<VariableSpec> variables() {
    int k = loss.numOutputs();
    int[] coefShape = k == 1 ? new int[] {numFeatures} : new int[] {numFeatures, k};
    List<VariableSpec> specs = new ArrayList<>();
    specs.add(new VariableSpec("coefficients", coefShape, Initializers.zeros(), true, true, null));
    if (fitIntercept) {
      specs.add(new VariableSpec("intercept", new int[] {k}, Initializers.zeros(), false, false, List.of("unsharded")));
    }
    return specs;
  }

  @Override
  public int numFeatures() {
    return numFeatures;
  }

  @Override
  public int numOutputs() {
    return loss.numOutputs();
  }

  @Override
  public void validateLabel(double label) {
    loss.validateLabel(label);
  }

  @Override
  public double accumulate(InstanceBlock block, double[][] weights, double[][] gradients) {
    return fitIntercept
        ? loss.accumulate(block, weights[0], weights[1], gradients[0], gradients[1])
        : loss.accumulate(block, weights[0], null, gradients[0], null);
  }

  @Override
  public double[] outputs(Vector features, double[][] weights) {
    return loss.margins(features, weights[0], fitIntercept ? weights[1] : null);
  }

  @Override
  public String toString() {
    return "LinearModel(" + loss + ", " + numFeatures + " features" + (fitIntercept ? ", intercept" : "") + ")";
  }
}
