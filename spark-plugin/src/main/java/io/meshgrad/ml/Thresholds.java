package io.meshgrad.ml;

import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.Params;

/**
 * MLlib's rules for a binary classifier's {@code threshold} next to Spark's {@code thresholds}
 * (as {@code LogisticRegression}): setting one clears the other, {@code threshold = t} reads as
 * {@code thresholds = [1 - t, t]} and {@code thresholds = [t0, t1]} as {@code threshold = 1 / (1 +
 * t0 / t1)}, and when both are set they must agree. For every classifier stage with both params.
 */
final class Thresholds {
  private Thresholds() {}

  /** Sets {@code threshold}, clearing {@code thresholds}. */
  static void setThreshold(Params stage, DoubleParam threshold, DoubleArrayParam thresholds, double value) {
    stage.set(threshold, value); // validates first, so a rejected value leaves thresholds as they were
    if (stage.isSet(thresholds)) {
      stage.clear(thresholds);
    }
  }

  /** Sets {@code thresholds}, clearing {@code threshold}. */
  static void setThresholds(Params stage, DoubleParam threshold, DoubleArrayParam thresholds, double[] value) {
    stage.set(thresholds, value);
    if (stage.isSet(threshold)) {
      stage.clear(threshold);
    }
  }

  /**
   * The binary threshold: from {@code thresholds} when they are set, else {@code threshold}.
   *
   * @throws IllegalArgumentException when {@code thresholds} are set with other than 2 values
   */
  static double threshold(Params stage, DoubleParam threshold, DoubleArrayParam thresholds) {
    if (stage.isSet(thresholds)) {
      double[] ts = stage.getOrDefault(thresholds);
      if (ts.length != 2) {
        throw new IllegalArgumentException("threshold is for binary classification, but thresholds holds "
            + ts.length + " values (" + java.util.Arrays.toString(ts) + "); use thresholds alone for more classes");
      }
      return 1.0 / (1.0 + ts[0] / ts[1]);
    }
    return (Double) stage.getOrDefault(threshold);
  }

  /** The thresholds: as set, or {@code [1 - threshold, threshold]} when only threshold is set. */
  static double[] thresholds(Params stage, DoubleParam threshold, DoubleArrayParam thresholds) {
    if (!stage.isSet(thresholds) && stage.isSet(threshold)) {
      double t = (Double) stage.getOrDefault(threshold);
      return new double[] {1 - t, t};
    }
    return stage.getOrDefault(thresholds);
  }

  /**
   * Checks that {@code threshold} and {@code thresholds}, when both are set, agree (the pair can be
   * set together through a ParamMap, bypassing the setters).
   *
   * @throws IllegalArgumentException naming both values when they do not
   */
  static void checkConsistency(Params stage, DoubleParam threshold, DoubleArrayParam thresholds) {
    if (stage.isSet(threshold) && stage.isSet(thresholds)) {
      double t = (Double) stage.getOrDefault(threshold);
      double[] ts = stage.getOrDefault(thresholds);
      if (ts.length != 2) {
        throw new IllegalArgumentException("threshold (" + t + ") and thresholds (" + java.util.Arrays.toString(ts)
            + ") are both set: thresholds must then hold 2 values; set only one of them");
      }
      double implied = 1.0 / (1.0 + ts[0] / ts[1]);
      if (Math.abs(t - implied) >= 1e-5) {
        throw new IllegalArgumentException("threshold (" + t + ") and thresholds (" + java.util.Arrays.toString(ts)
            + ") are both set and disagree: thresholds imply threshold " + implied + "; set only one of them");
      }
    }
  }
}
