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
 * @param epochs epochs begun (a partial last epoch counts)
 * @param wallSeconds seconds of the training loop on the driver (data preparation excluded)
 * @param stoppedEarly whether early stopping ended training before {@code maxSteps}
 * @param stopReason which limit or rule ended the fit
 * @param plannedSteps the steps the fit would take if neither {@code tol} nor early stopping ended
 *     it: {@code maxSteps}, or fewer when {@code maxEpochs} ends it sooner (resumed steps included)
 * @param stoppedAtStep the optimizer's iteration count when the fit ended (the last step taken)
 * @param epochsCompleted passes over the training rows, fractional when the last one was partial:
 *     steps taken over steps per epoch
 * @param prepareSeconds seconds spent validating, packing and caching the rows before training (set by
 *     the caller that prepared them, {@link #withPrepareSeconds}; 0 from {@link MeshTrainer})
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
    boolean stoppedEarly,
    StopReason stopReason,
    long plannedSteps,
    long stoppedAtStep,
    double epochsCompleted,
    double prepareSeconds) {

  /** Which limit or rule ended a fit. */
  public enum StopReason {
    /** {@code maxSteps} (maxIter) steps were taken. */
    STEPS("steps", "the step limit (maxIter) was reached"),
    /** {@code maxEpochs} passes over the data were made before {@code maxSteps}. */
    EPOCHS("epochs", "the epoch limit (maxEpochs) was reached"),
    /** The loss changed by at most {@code tol * max(1, |loss|)} between two steps. */
    TOL("tol", "the loss changed by at most tol * max(1, |loss|) between two steps"),
    /** {@code patience} validation evaluations in a row did not improve. */
    EARLY_STOPPING("earlyStopping", "the validation loss did not improve for earlyStoppingPatience evaluations"),
    /** A non-finite step stopped the fit ({@code onNonFiniteGradient=error}). */
    NON_FINITE("nonFinite", "a step was not finite (onNonFiniteGradient=error)");

    private final String key;
    private final String meaning;

    StopReason(String key, String meaning) {
      this.key = key;
      this.meaning = meaning;
    }

    /** The name in summaries and logs: steps, epochs, tol, earlyStopping, nonFinite. */
    public String key() {
      return key;
    }

    /** What happened, in words. */
    public String meaning() {
      return meaning;
    }
  }

  public TrainingResult {
    weights = List.copyOf(weights);
  }

  /** This result with {@code seconds} of data preparation. */
  public TrainingResult withPrepareSeconds(double seconds) {
    return new TrainingResult(weights, lossHistory, steps, epochs, wallSeconds, stepsSkipped, validationLossHistory,
        bestStep, stoppedEarly, stopReason, plannedSteps, stoppedAtStep, epochsCompleted, seconds);
  }

  /** This result with other weights (e.g. put back on the features' own scale). */
  public TrainingResult withWeights(List<Tensor> newWeights) {
    return new TrainingResult(newWeights, lossHistory, steps, epochs, wallSeconds, stepsSkipped, validationLossHistory,
        bestStep, stoppedEarly, stopReason, plannedSteps, stoppedAtStep, epochsCompleted, prepareSeconds);
  }

  /** Whether the fit ended before the steps it planned ({@link #plannedSteps()}): tol or early stopping. */
  public boolean endedBeforePlan() {
    return stopReason == StopReason.TOL || stopReason == StopReason.EARLY_STOPPING;
  }

  /** One line for logs: at which step the fit stopped, why, and the epochs completed. */
  public String stopDescription() {
    return String.format(java.util.Locale.ROOT, "stopped at step %d of %d planned (%s: %s), %.4g epochs", stoppedAtStep,
        plannedSteps, stopReason.key(), stopReason.meaning(), epochsCompleted);
  }

  /** A linear fit's result: the coefficients and the intercept ({@code null} when none was fitted). */
  public TrainingResult(Tensor coefficients, Tensor intercept, double[] lossHistory, long steps, long epochs,
      double wallSeconds, long stepsSkipped, double[] validationLossHistory, long bestStep, boolean stoppedEarly) {
    this(intercept == null ? List.of(coefficients) : List.of(coefficients, intercept), lossHistory, steps, epochs,
        wallSeconds, stepsSkipped, validationLossHistory, bestStep, stoppedEarly,
        stoppedEarly ? StopReason.EARLY_STOPPING : StopReason.STEPS, steps, steps, epochs, 0.0);
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
