package io.meshgrad.train;

import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.SlotInitializer;
import io.meshgrad.optimizer.Slots;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.TaskContext;

/**
 * Keras' Adagrad (its update is {@link Adagrad}'s own) whose update, in the engine's barrier task
 * of one rank, flips the lowest bit of one element it just changed (the first element of the
 * gradient's first row; never a one-element variable such as a bias, which every step changes
 * whole): a test double that makes that rank's replicas differ from the others'
 * in a row the job changed, which the engine's end-of-job check must see. Elsewhere (the driver,
 * tasks that are not barrier tasks) it is Adagrad.
 */
final class DivergentAdagrad extends Optimizer {
  private static final long serialVersionUID = 1L;

  private final int rank;
  private final Adagrad update = Adagrad.builder().build();

  /** The base configuration, named {@code Adagrad} as Keras' Adagrad is. */
  static final class Builder extends Optimizer.Builder<Builder> {
    Builder() {
      super("Adagrad");
    }

    @Override
    protected Builder self() {
      return this;
    }
  }

  /** Adagrad with learning rate {@code learningRate} whose replicas on rank {@code rank} diverge. */
  DivergentAdagrad(double learningRate, int rank) {
    super(new Builder().learningRate(learningRate));
    this.rank = rank;
  }

  @Override
  protected void createSlots(List<Variable> varList) {
    for (Variable v : varList) {
      addVariableFromReference(v, "accumulator", SlotInitializer.constant(0.1));
    }
  }

  @Override
  protected boolean sparseUpdateIsRowLocal() {
    return true;
  }

  @Override
  protected void updateStep(Gradient gradient, Tensor variable, Slots slots, double learningRate) {
    update.applyToVariable(new VariableStep((float) learningRate, 0, false), gradient, variable, slots);
    TaskContext task = TaskContext.get();
    if (!(task instanceof BarrierTaskContext) || task.partitionId() != rank) {
      return;
    }
    int k = gradient instanceof IndexedSlices s ? (s.numRows() == 0 ? -1 : s.index(0) * variable.rowLength()) : 0;
    if (k < 0 || k >= variable.size() || variable.size() == 1) { // not a one-element bias: the weights' rows
      return;
    }
    if (variable.dtype() == DType.FLOAT64) {
      variable.doubles()[k] = Double.longBitsToDouble(Double.doubleToRawLongBits(variable.doubles()[k]) ^ 1L);
    } else {
      variable.floats()[k] = Float.intBitsToFloat(Float.floatToRawIntBits(variable.floats()[k]) ^ 1);
    }
  }
}
