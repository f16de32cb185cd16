package io.meshgrad.train;

import io.meshgrad.tensor.Tensor;
import java.util.List;

/**
 * What a {@link MeshTrainer#fit} returns: the final weights (EMA averages when EMA is on, as
 * Keras' {@code fit} finalizes them; the best validation weights with {@link EarlyStopping}), the
 * objective of each step's batch at the weights before that step's update, and counts.
 *
 * @param weights one tensor per variable, in the order of the model's variables; for a linear fit
 *     the coefficients and then, when fitted, the intercept
 * @param steps steps taken, skipped ones included
 * @param stepsSkipped steps left out under {@link NonFiniteGradient#SKIP}
 * @param validationLossHistory the validation loss of each evaluation (empty without early
 *     stopping)
 * @param bestStep the step after which the returned weights were taken when they come from a
 *     validation evaluation, else -1
 * @param stoppedEarly whether early stopping ended training before {@code maxSteps}
 */
public record TrainingResult(
    List<Tensor> weights,
    double[] lossHistory,
    long steps,
    long epochs,
    double wallSeconds,
    long stepsSkipped,
    double[] validationLossHistory,
    long bestStep,
    boolean stoppedEarly) {

  public TrainingResult {
    weights = List.copyOf(weights);
  }

  /** A linear fit's result: the coefficients and the intercept ({@code null} when none was fitted). */
  public TrainingResult(Tensor coefficients, Tensor intercept, double[] lossHistory, long steps, long epochs,
      double wallSeconds, long stepsSkipped, double[] validationLossHistory, long bestStep, boolean stoppedEarly) {
    this(intercept == null ? List.of(coefficients) : List.of(coefficients, intercept), lossHistory, steps, epochs,
        wallSeconds, stepsSkipped, validationLossHistory, bestStep, stoppedEarly);
  }

  /** A linear fit's result without skipped steps or validation. */
  public TrainingResult(
      Tensor coefficients, Tensor intercept, double[] lossHistory, long steps, long epochs, double wallSeconds) {
    this(coefficients, intercept, lossHistory, steps, epochs, wallSeconds, 0, new double[0], -1, false);
  }

  /** A linear fit's coefficients: the first variable. */
  public Tensor coefficients() {
    return weights.get(0);
  }

  /** A linear fit's intercept (the second variable), or {@code null} when none was fitted. */
  public Tensor intercept() {
    return weights.size() > 1 ? weights.get(1) : null;
  }
}
