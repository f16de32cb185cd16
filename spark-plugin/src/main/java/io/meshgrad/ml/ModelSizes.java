package io.meshgrad.ml;

import org.apache.spark.util.SizeEstimator;

/**
 * The size of a fitted model for Spark Connect's model cache (Spark 4.1 and later offloads cached
 * models to disk by their {@code Model.estimatedSize}, and refuses models over a limit): what the
 * model itself holds, its weights and training summary, not what it was fitted from (the
 * estimator, the session).
 */
final class ModelSizes {
  private ModelSizes() {}

  /** The bytes of {@code weights} (a model's data object) and {@code summary} (or {@code null}). */
  static long estimate(Object weights, MeshgradTrainingSummary summary) {
    return SizeEstimator.estimate(weights) + (summary == null ? 0 : SizeEstimator.estimate(summary));
  }
}
