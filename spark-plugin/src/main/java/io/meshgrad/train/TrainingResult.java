package io.meshgrad.train;

import io.meshgrad.tensor.Tensor;

/**
 * What a {@link MeshTrainer#fit} returns: the final weights (EMA averages when EMA is on, as
 * Keras' {@code fit} finalizes them; the best validation weights with {@link EarlyStopping}), the
 * objective of each step's batch at the weights before that step's update, and counts.
 *
 * @param intercept {@code null} when no intercept was fitted
 * @param steps steps taken, skipped ones included
 * @param stepsSkipped steps left out under {@link NonFiniteGradient#SKIP}
 * @param validationLossHistory the validation loss of each evaluation (empty without early
 *     stopping)
 * @param bestStep the step after which the returned weights were taken when they come from a
 *     validation evaluation, else -1
 * @param stoppedEarly whether early stopping ended training before {@code maxSteps}
 */
public record TrainingResult(
    Tensor coefficients,
    Tensor intercept,
    double[] lossHistory,
    long steps,
    long epochs,
    double wallSeconds,
    long stepsSkipped,
    double[] validationLossHistory,
    long bestStep,
    boolean stoppedEarly) {

  /** A result without skipped steps or validation. */
  public TrainingResult(
      Tensor coefficients, Tensor intercept, double[] lossHistory, long steps, long epochs, double wallSeconds) {
    this(coefficients, intercept, lossHistory, steps, epochs, wallSeconds, 0, new double[0], -1, false);
  }
}
