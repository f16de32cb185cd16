package io.meshgrad;

import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.Tensor;
import java.util.function.UnaryOperator;
import org.apache.spark.TaskContext;

/**
 * Keras' Adagrad ({@link AdagradTestDouble}) that fails the first attempt of each task running its
 * update as {@link Failure} says: a test double for retried shard-update tasks.
 */
public final class FlakyAdagrad extends AdagradTestDouble {
  private static final long serialVersionUID = 1L;

  /** Where the first attempt of every task that updates a shard fails. */
  public enum Failure { NONE, AFTER_UPDATE, END_OF_TASK }

  private final Failure failure;

  /** An optimizer with the base configuration {@code config} gives a fresh builder. */
  public FlakyAdagrad(UnaryOperator<Builder> config, Failure failure) {
    super(config);
    this.failure = failure;
  }

  /** An optimizer with learning rate {@code learningRate} and Keras' defaults otherwise. */
  public FlakyAdagrad(double learningRate, Failure failure) {
    this(b -> b.learningRate(learningRate), failure);
  }

  @Override
  protected void afterUpdate(Gradient gradient, Tensor variable) {
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
