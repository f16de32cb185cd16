package io.meshgrad.data;

import io.meshgrad.loss.Instance;
import io.meshgrad.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;

/**
 * MLlib's {@code standardization}: inside a fit every feature is divided by its standard
 * deviation over the training rows (weighted and unbiased, as MLlib's {@code Summarizer} "std"),
 * without centering, so sparse rows stay sparse; a feature of zero variance becomes 0 (it cannot
 * be told from the intercept), as MLlib drops it. The fit's weights are then on that scale, and
 * {@link #toOriginalScale} puts every feature-indexed variable back on the features' own scale
 * (row {@code j} divided by {@code std_j}, 0 for a zero-variance feature), so a model predicts
 * on the raw features.
 *
 * <p>{@link TrainingData} applies the scale where it packs the rows into blocks: the one place
 * every model (linear, factorization machine, MLP), every path (driver-held or sharded) and the
 * validation rows go through.
 */
public final class FeatureScale implements Serializable {
  private static final long serialVersionUID = 1L;

  private static final FeatureScale NONE = new FeatureScale(null, Integer.MAX_VALUE, null, true);

  /** {@code 1 / std_j}, 0 for a zero-variance feature; null for no scaling. */
  private final double[] inverseStd;
  /** The most features a scale may be computed for (see {@link #fromData}). */
  private final int maxFeatures;
  /** Why there is such a limit, for the error. */
  private final String limitReason;
  /** Whether more features than the limit are an error (else the features stay unscaled). */
  private final boolean refuseAboveLimit;

  private FeatureScale(double[] inverseStd, int maxFeatures, String limitReason, boolean refuseAboveLimit) {
    this.inverseStd = inverseStd;
    this.maxFeatures = maxFeatures;
    this.limitReason = limitReason;
    this.refuseAboveLimit = refuseAboveLimit;
  }

  /** No scaling: the features as they are. */
  public static FeatureScale none() {
    return NONE;
  }

  /**
   * The scale is computed from the training rows when {@link TrainingData} reads them.
   *
   * @param maxFeatures the most features allowed: the scale vector is as long as the features
   *     and made on the driver, which a fit whose feature-indexed variables keep no driver copy
   *     (the row-sparse pull) must not do
   * @param limitReason the end of the error for more features, saying why and what to do
   * @param refuseAboveLimit whether more features are an error; if not, they stay unscaled
   */
  public static FeatureScale fromData(int maxFeatures, String limitReason, boolean refuseAboveLimit) {
    return new FeatureScale(new double[0], maxFeatures, limitReason, refuseAboveLimit);
  }

  /** A given scale ({@code 1 / std_j}), e.g. the training rows' one for validation rows. */
  public static FeatureScale of(double[] inverseStd) {
    return new FeatureScale(inverseStd.clone(), Integer.MAX_VALUE, null, true);
  }

  /** Whether the features are used as they are. */
  public boolean isNone() {
    return inverseStd == null;
  }

  /** The most features {@link #fromData} computes a scale for. */
  int maxFeatures() {
    return maxFeatures;
  }

  /** Whether the scale is still to be computed from the rows. */
  boolean isPending() {
    return inverseStd != null && inverseStd.length == 0;
  }

  /** {@code 1 / std_j} of every feature (a copy), or null without scaling. */
  public double[] inverseStd() {
    return inverseStd == null ? null : inverseStd.clone();
  }

  /**
   * Whether a scale may be computed for {@code numFeatures} features: false when they are more than
   * {@link #fromData} allows and it does not refuse them.
   *
   * @throws IllegalArgumentException with the reason given to {@link #fromData} when the rows have
   *     more features than it allows and it refuses them
   */
  boolean allows(int numFeatures) {
    if (numFeatures <= maxFeatures) {
      return true;
    }
    if (refuseAboveLimit) {
      throw new IllegalArgumentException("standardization is true and the rows have " + numFeatures + " features: "
          + limitReason);
    }
    return false;
  }

  /**
   * The scale from sums over the rows: the weight sum {@code W}, and per feature {@code sum w x} and
   * {@code sum w x^2}: the variance {@code (sum w x^2 - (sum w x)^2 / W) / (W - 1)}, the unbiased
   * one of MLlib's {@code Summarizer} for rows of weight 1, with weights counted as repetitions (a
   * row of weight 2 scales as the row twice; {@code W} itself when it is at most 1).
   */
  static FeatureScale fromSums(double weightSum, double[] sum, double[] sumSquares) {
    double[] inverse = new double[sum.length];
    double denominator = weightSum > 1 ? weightSum - 1 : weightSum;
    for (int j = 0; j < inverse.length; j++) {
      double variance = denominator > 0 ? (sumSquares[j] - sum[j] * sum[j] / weightSum) / denominator : 0.0;
      double std = Math.sqrt(Math.max(0.0, variance));
      inverse[j] = std > 0 && Double.isFinite(std) ? 1.0 / std : 0.0;
    }
    return new FeatureScale(inverse, Integer.MAX_VALUE, null, true);
  }

  /** {@code instance} with its features scaled; itself without scaling. Sparse stays sparse. */
  Instance apply(Instance instance) {
    if (inverseStd == null) {
      return instance;
    }
    Vector x = instance.features();
    Vector scaled;
    if (x instanceof SparseVector sv) {
      int[] indices = sv.indices();
      double[] values = new double[indices.length];
      for (int k = 0; k < indices.length; k++) {
        values[k] = sv.values()[k] * inverseStd[indices[k]];
      }
      scaled = Vectors.sparse(sv.size(), indices, values);
    } else {
      double[] v = ((DenseVector) x).values();
      double[] values = new double[v.length];
      for (int j = 0; j < v.length; j++) {
        values[j] = v[j] * inverseStd[j];
      }
      scaled = Vectors.dense(values);
    }
    return new Instance(instance.label(), instance.weight(), scaled);
  }

  /**
   * The weights of a fit on the scaled features, on the features' own scale: row {@code j} of
   * every feature-indexed variable (axis 0 indexed by feature) times {@code 1 / std_j}; the other
   * variables as they are. Without scaling, {@code weights} itself.
   *
   * @param featureIndexed for each variable, whether its axis 0 is indexed by feature
   */
  public List<Tensor> toOriginalScale(List<Tensor> weights, List<Boolean> featureIndexed) {
    if (inverseStd == null) {
      return weights;
    }
    List<Tensor> out = new ArrayList<>();
    for (int v = 0; v < weights.size(); v++) {
      Tensor w = weights.get(v);
      if (!featureIndexed.get(v)) {
        out.add(w);
        continue;
      }
      int[] shape = w.shape();
      int rows = shape[0];
      if (rows != inverseStd.length) {
        throw new IllegalStateException("variable " + v + " has " + rows + " rows, the scale " + inverseStd.length
            + " features");
      }
      double[] values = w.toDoubleArray();
      int perRow = rows == 0 ? 0 : values.length / rows;
      for (int j = 0; j < rows; j++) {
        for (int c = 0; c < perRow; c++) {
          values[j * perRow + c] *= inverseStd[j];
        }
      }
      out.add(Tensor.fromDoubles(w.dtype(), values, shape));
    }
    return out;
  }

  @Override
  public String toString() {
    return inverseStd == null ? "FeatureScale(none)"
        : isPending() ? "FeatureScale(from the data)" : "FeatureScale(" + inverseStd.length + " features)";
  }
}
