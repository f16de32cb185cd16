package io.meshgrad.train;

import java.util.Locale;

/**
 * What {@link MeshTrainer} does with a step whose loss, gradient or updated weights are not
 * finite (NaN or infinite). See {@link MeshTrainer} for exactly what is checked and restored.
 */
public enum NonFiniteGradient {
  /**
   * Stop training with a {@link NonFiniteGradientException} that names the step and the variable
   * and carries the weights from before that step.
   */
  ERROR,
  /**
   * Leave the weights and optimizer slots as they were before the step, count the step in {@link
   * TrainingResult#stepsSkipped()} and go on with the next batch (the iteration count still
   * advances, so the schedule and the batch plan move on).
   */
  SKIP,
  /** Check nothing and let NaN/infinity flow into the weights, as Keras does. */
  PROPAGATE;

  /** The lower-case name used by the Spark param: {@code error}, {@code skip}, {@code propagate}. */
  public String paramValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses {@code error}, {@code skip} or {@code propagate} (case-insensitive).
   *
   * @throws IllegalArgumentException naming the allowed values
   */
  public static NonFiniteGradient parse(String value) {
    if (value != null) {
      for (NonFiniteGradient mode : values()) {
        if (mode.paramValue().equalsIgnoreCase(value.trim())) {
          return mode;
        }
      }
    }
    throw new IllegalArgumentException(
        "onNonFiniteGradient must be one of error, skip, propagate; got "
            + (value == null ? "null" : "'" + value + "'"));
  }
}
