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
import org.apache.spark.TaskContext;

/**
 * Keras' Adagrad (its update is {@link Adagrad}'s own, with the default initial accumulator value
 * 0.1 and epsilon 1e-7) that fails the first attempt of each task running its update as
 * {@link Failure} says: a test double for retried shard-update tasks. Adagrad is final, hence a
 * subclass of {@link Optimizer} that hands each variable's update to an Adagrad; the base
 * configuration (learning rate, clipping, EMA, ...) is this optimizer's own.
 */
public final class FlakyAdagrad extends Optimizer {
  private static final long serialVersionUID = 1L;

  /** Where the first attempt of every task that updates a shard fails. */
  public enum Failure { NONE, AFTER_UPDATE, END_OF_TASK }

  private final Failure failure;
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
  public FlakyAdagrad(UnaryOperator<Builder> config, Failure failure) {
    super(config.apply(new Builder()));
    this.failure = failure;
  }

  /** An optimizer with learning rate {@code learningRate} and Keras' defaults otherwise. */
  public FlakyAdagrad(double learningRate, Failure failure) {
    this(b -> b.learningRate(learningRate), failure);
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
    // the learning rate of a step is a float (VariableStep's), rounded to the variable's dtype: exact back
    update.applyToVariable(new VariableStep((float) learningRate, 0, false), gradient, variable, slots);
    TaskContext task = TaskContext.get();
    if (task == null || task.attemptNumber() > 0) {
      return;
    }
    switch (failure) {
      case AFTER_UPDATE -> throw new IllegalStateException("injected failure after the update, task "
          + task.taskAttemptId() + " partition " + task.partitionId());
      case END_OF_TASK -> task.addTaskCompletionListener((TaskContext t) -> {
        throw new IllegalStateException("injected failure at the end of task " + t.taskAttemptId());
      });
      default -> { }
    }
  }
}
