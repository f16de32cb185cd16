package io.meshgrad.train;

import io.meshgrad.data.TrainingData;

/**
 * Early stopping on a held-out validation set, for {@link MeshTrainer#fit}.
 *
 * <p>The validation loss is the training objective (weighted mean loss plus the L2 term) over all
 * validation rows, at the weights a model would get if training stopped there (the EMA averages
 * when the optimizer uses EMA). It is evaluated after every epoch (every step for full batch) and
 * after the last step. An evaluation <em>improves</em> when {@code best - loss > tol * max(loss,
 * 0.01)} (Spark GBT's {@code validationTol} rule; with {@code tol = 0}, any decrease). Training
 * stops after {@code patience} evaluations in a row without improvement, and the result holds the
 * weights of the best evaluation (also when training ran to the end: unlike Keras'
 * {@code EarlyStopping(restore_best_weights=True)}, which restores only when it stops early).
 *
 * @param validation the held-out rows; the caller closes them
 * @param patience evaluations without improvement before stopping, {@code >= 1}
 * @param tol relative improvement threshold, {@code >= 0}
 */
public record EarlyStopping(TrainingData validation, int patience, double tol) {
  public EarlyStopping {
    if (validation == null) {
      throw new IllegalArgumentException("validation data must be non-null, got null");
    }
    if (patience < 1) {
      throw new IllegalArgumentException("patience must be >= 1, got " + patience);
    }
    if (!(tol >= 0 && Double.isFinite(tol))) {
      throw new IllegalArgumentException("tol must be a finite number >= 0, got " + tol);
    }
  }

  /**
   * Whether {@code loss} improves on {@code best} by this rule; NaN and +infinity never improve,
   * anything else improves on a {@code best} of +infinity (no evaluation yet).
   */
  public boolean improves(double loss, double best) {
    if (Double.isNaN(loss) || loss == Double.POSITIVE_INFINITY) {
      return false;
    }
    if (best == Double.POSITIVE_INFINITY) {
      return true;
    }
    return best - loss > tol * Math.max(loss, 0.01);
  }
}
