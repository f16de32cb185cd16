package io.meshgrad.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.support.Json;
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
    this(r.lossHistory().clone(), r.steps(), r.epochs(), r.wallSeconds(), r.stepsSkipped(),
        r.validationLossHistory().clone(), r.bestStep(), r.stoppedEarly(), r.stopReason().key(), r.plannedSteps(),
        r.stoppedAtStep(), r.epochsCompleted(), r.prepareSeconds());
  }

  private MeshgradTrainingSummary(double[] lossHistory, long steps, long epochs, double wallSeconds,
      long stepsSkipped, double[] validationLossHistory, long bestStep, boolean stoppedEarly, String stopReason,
      long plannedSteps, long stoppedAtStep, double epochsCompleted, double prepareSeconds) {
    this.lossHistory = lossHistory;
    this.steps = steps;
    this.epochs = epochs;
    this.wallSeconds = wallSeconds;
    this.stepsSkipped = stepsSkipped;
    this.validationLossHistory = validationLossHistory;
    this.bestStep = bestStep;
    this.stoppedEarly = stoppedEarly;
    this.stopReason = stopReason;
    this.plannedSteps = plannedSteps;
    this.stoppedAtStep = stoppedAtStep;
    this.epochsCompleted = epochsCompleted;
    this.prepareSeconds = prepareSeconds;
  }

  /** This summary as one JSON object (kept beside a model that Spark Connect's cache offloads). */
  String toJson() {
    ObjectNode json = Json.MAPPER.createObjectNode();
    json.set("lossHistory", Json.MAPPER.valueToTree(lossHistory));
    json.put("steps", steps);
    json.put("epochs", epochs);
    json.put("wallSeconds", wallSeconds);
    json.put("stepsSkipped", stepsSkipped);
    json.set("validationLossHistory", Json.MAPPER.valueToTree(validationLossHistory));
    json.put("bestStep", bestStep);
    json.put("stoppedEarly", stoppedEarly);
    json.put("stopReason", stopReason);
    json.put("plannedSteps", plannedSteps);
    json.put("stoppedAtStep", stoppedAtStep);
    json.put("epochsCompleted", epochsCompleted);
    json.put("prepareSeconds", prepareSeconds);
    return json.toString();
  }

  /** The summary {@link #toJson} wrote. @throws IllegalArgumentException for other JSON */
  static MeshgradTrainingSummary fromJson(String text) {
    JsonNode json = Json.parse(text);
    for (String field : new String[] {"lossHistory", "steps", "epochs", "wallSeconds", "stepsSkipped",
        "validationLossHistory", "bestStep", "stoppedEarly", "stopReason", "plannedSteps", "stoppedAtStep",
        "epochsCompleted", "prepareSeconds"}) {
      if (!json.has(field)) {
        throw new IllegalArgumentException("a training summary needs '" + field + "': " + text);
      }
    }
    return new MeshgradTrainingSummary(doubles(json.get("lossHistory")), json.get("steps").asLong(),
        json.get("epochs").asLong(), json.get("wallSeconds").asDouble(), json.get("stepsSkipped").asLong(),
        doubles(json.get("validationLossHistory")), json.get("bestStep").asLong(),
        json.get("stoppedEarly").asBoolean(), json.get("stopReason").asText(), json.get("plannedSteps").asLong(),
        json.get("stoppedAtStep").asLong(), json.get("epochsCompleted").asDouble(),
        json.get("prepareSeconds").asDouble());
  }

  private static double[] doubles(JsonNode array) {
    double[] out = new double[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asDouble();
    }
    return out;
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
