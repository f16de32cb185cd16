package io.meshgrad.optimizer;

import io.meshgrad.tensor.Gradient;
import java.util.List;

/**
 * Where variables live when they are not held in this process, e.g. sharded across the
 * partitions of a Spark RDD. The {@link Optimizer} keeps the step's logic (learning rate,
 * validation, build, iteration count) and hands the per-variable work to the home, which runs
 * {@link Optimizer#applyToVariable} where the values live.
 */
public interface VariableHome {

  /** Creates the slot {@code slotName} of {@code reference} next to it (same dtype, shape, layout). */
  Variable createSlot(Variable reference, String slotName, SlotInitializer initializer);

  /**
   * Clips and applies gradients given in this process to variables that live here.
   *
   * @param variables variables of this home that have a gradient, in call order
   * @param gradients their gradients, whole (not sharded), already checked for dtype and shape
   * @param steps what each variable's update needs besides the optimizer's configuration
   */
  void applyGradients(Optimizer optimizer, List<Variable> variables, List<Gradient> gradients,
      List<Optimizer.VariableStep> steps);

  /**
   * Computes the loss and its gradients and applies them, without gathering gradients on the
   * driver when the loss can deliver them shard by shard.
   *
   * @return the loss at the weights before the update
   */
  double minimize(Optimizer optimizer, DifferentiableLoss loss, List<Variable> variables,
      List<Optimizer.VariableStep> steps);
}
