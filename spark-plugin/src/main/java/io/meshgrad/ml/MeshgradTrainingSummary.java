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

  MeshgradTrainingSummary(TrainingResult r) {
    this.lossHistory = r.lossHistory().clone();
    this.steps = r.steps();
    this.epochs = r.epochs();
    this.wallSeconds = r.wallSeconds();
    this.stepsSkipped = r.stepsSkipped();
    this.validationLossHistory = r.validationLossHistory().clone();
    this.bestStep = r.bestStep();
    this.stoppedEarly = r.stoppedEarly();
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

  /** Number of epochs begun (a partial last epoch counts). */
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
        + ", wallSeconds=" + String.format(java.util.Locale.ROOT, "%.3f", wallSeconds) + ")";
  }
}
