package io.meshgrad.optimizer;

import java.util.List;

/**
 * A loss that can report its gradient, the Java stand-in for Keras' loss callable plus
 * {@code tf.GradientTape}. In-process losses compute it directly; meshgrad's distributed losses
 * compute it over a Spark {@code Dataset}.
 */
@FunctionalInterface
public interface DifferentiableLoss {

  /**
   * Evaluates the loss at the variables' current values.
   *
   * @return the value and exactly one gradient (or {@code null}) per variable, in order
   */
  LossAndGradients evaluate(List<Variable> variables);
}
