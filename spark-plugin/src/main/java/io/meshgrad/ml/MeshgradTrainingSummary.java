package io.meshgrad.ml;

import io.meshgrad.train.TrainingResult;
import java.io.Serializable;

/**
 * How a meshgrad model was trained. Like Spark's training summaries it lives only with the fitted
 * model: a model loaded from disk has none. Unlike MLlib's, it holds no metrics of the training
 * rows: {@code model.evaluate(trainingData)} gives them, with MLlib's names.
 */
public final class MeshgradTrainingSummary implements Serializable {
  private static final long serialVersionUID = 1L;

  private final double[] lossHistory;
  private final long steps;
  private final long epochs;
  private final double wallSeconds;
  private final long stepsSkipped;
  private final double[] validationLossHistory;
  private final long bestStep;
  private final boolean stoppedEarly;
  private final String stopReason;
  private final long plannedSteps;
  private final long stoppedAtStep;
  private final double epochsCompleted;
  private final double prepareSeconds;

  MeshgradTrainingSummary(TrainingResult r) {
    this.lossHistory = r.lossHistory().clone();
    this.steps = r.steps();
    this.epochs = r.epochs();
    this.wallSeconds = r.wallSeconds();
    this.stepsSkipped = r.stepsSkipped();
    this.validationLossHistory = r.validationLossHistory().clone();
    this.bestStep = r.bestStep();
    this.stoppedEarly = r.stoppedEarly();
    this.stopReason = r.stopReason().key();
    this.plannedSteps = r.plannedSteps();
    this.stoppedAtStep = r.stoppedAtStep();
    this.epochsCompleted = r.epochsCompleted();
    this.prepareSeconds = r.prepareSeconds();
  }

  /**
   * The training objective (weighted mean loss plus the L2 term) of each step's batch, at the
   * weights before that step's update; one entry per step, skipped steps included.
   */
  public double[] lossHistory() {
    return lossHistory.clone();
  }

  /** Spark's name for {@link #lossHistory()}. */
  public double[] objectiveHistory() {
    return lossHistory();
  }

  /** Number of optimizer steps taken, skipped ones included. */
  public long steps() {
    return steps;
  }

  /** Spark's name for {@link #steps()}. */
  public int totalIterations() {
    return Math.toIntExact(steps);
  }

  /**
   * Which limit or rule ended the fit: {@code steps} (maxIter steps taken), {@code epochs} (maxEpochs
   * passes made first), {@code tol} (the loss changed by at most {@code tol * max(1, |loss|)} between
   * two steps) or {@code earlyStopping} (the validation loss stopped improving).
   */
  public String stopReason() {
    return stopReason;
  }

  /** The step (the optimizer's iteration count) at which the fit ended. */
  public long stoppedAtStep() {
    return stoppedAtStep;
  }

  /** The steps the fit planned: maxIter, or fewer when maxEpochs ends it sooner. */
  public long plannedSteps() {
    return plannedSteps;
  }

  /** Passes over the training rows made, fractional when the last one was partial. */
  public double epochsCompleted() {
    return epochsCompleted;
  }

  /** Seconds spent validating, packing and caching the rows before training (not in {@link #wallSeconds()}). */
  public double prepareSeconds() {
    return prepareSeconds;
  }

  /** Number of epochs begun (a partial last epoch counts); see {@link #epochsCompleted()}. */
  public long epochs() {
    return epochs;
  }

  /** Seconds spent in training on the driver, data preparation excluded. */
  public double wallSeconds() {
    return wallSeconds;
  }

  /** Steps left out because they were not finite ({@code onNonFiniteGradient=skip}). */
  public long stepsSkipped() {
    return stepsSkipped;
  }

  /** The validation loss of each evaluation (empty without {@code validationIndicatorCol}). */
  public double[] validationLossHistory() {
    return validationLossHistory.clone();
  }

  /** The step after which the model's weights were taken when they are the best validated ones, else -1. */
  public long bestStep() {
    return bestStep;
  }

  /** Whether early stopping ended training before maxIter/maxEpochs. */
  public boolean stoppedEarly() {
    return stoppedEarly;
  }

  @Override
  public String toString() {
    double last = lossHistory.length == 0 ? Double.NaN : lossHistory[lossHistory.length - 1];
    return "MeshgradTrainingSummary(steps=" + steps + ", epochs=" + epochs + ", lastLoss=" + last
        + ", stepsSkipped=" + stepsSkipped + ", bestStep=" + bestStep + ", stoppedEarly=" + stoppedEarly
        + ", stopReason=" + stopReason + ", stoppedAtStep=" + stoppedAtStep + ", plannedSteps=" + plannedSteps
        + ", wallSeconds=" + String.format(java.util.Locale.ROOT, "%.3f", wallSeconds) + ")";
  }
}
