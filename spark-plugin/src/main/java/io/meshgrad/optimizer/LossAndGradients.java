package io.meshgrad.optimizer;

import io.meshgrad.tensor.Gradient;
import java.util.Collections;
import java.util.List;

/**
 * What a {@link DifferentiableLoss} returns: the loss value and one gradient per requested
 * variable, in the same order; an entry is {@code null} where the loss does not depend on that
 * variable.
 */
public record LossAndGradients(double loss, List<Gradient> gradients) {
  public LossAndGradients {
    gradients = Collections.unmodifiableList(new java.util.ArrayList<>(gradients));
  }
}
