package io.meshgrad;

import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.SlotInitializer;
import io.meshgrad.optimizer.Slots;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.Tensor;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The base of the test doubles that are Keras' Adagrad (its update is {@link Adagrad}'s own, with
 * the default initial accumulator value 0.1 and epsilon 1e-7) plus something done after each
 * variable's update ({@link #afterUpdate}). Adagrad is final, hence a subclass of {@link
 * Optimizer} that hands each variable's update to an Adagrad; the base configuration (learning
 * rate, clipping, EMA, ...) is this optimizer's own.
 */
public abstract class AdagradTestDouble extends Optimizer {
  private static final long serialVersionUID = 1L;

  private final Adagrad update = Adagrad.builder().build();

  /** The base configuration, named {@code Adagrad} as Keras' Adagrad is. */
  public static final class Builder extends Optimizer.Builder<Builder> {
    Builder() {
      super("Adagrad");
    }

    @Override
    protected Builder self() {
      return this;
    }
  }

  /** An optimizer with the base configuration {@code config} gives a fresh builder. */
  protected AdagradTestDouble(UnaryOperator<Builder> config) {
    super(config.apply(new Builder()));
  }

  @Override
  protected final void createSlots(List<Variable> varList) {
    for (Variable v : varList) {
      addVariableFromReference(v, "accumulator", SlotInitializer.constant(0.1));
    }
  }

  @Override
  protected final boolean sparseUpdateIsRowLocal() {
    return true;
  }

  @Override
  protected final void updateStep(Gradient gradient, Tensor variable, Slots slots, double learningRate) {
    // the learning rate of a step is a float (VariableStep's), rounded to the variable's dtype: exact back
    update.applyToVariable(new VariableStep((float) learningRate, 0, false), gradient, variable, slots);
    afterUpdate(gradient, variable);
  }

  /** What the double does after Adagrad applied {@code gradient} to {@code variable}. */
  protected abstract void afterUpdate(Gradient gradient, Tensor variable);
}
