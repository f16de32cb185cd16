package io.meshgrad.data;

import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;

/**
 * The sums a {@link FeatureScale} from the data is made of, as one {@code double[]}: the weight sum,
 * the sum of squared weights, then per feature {@code j} the weighted sum ({@code 2 + 2j}) and the
 * weighted sum of squares ({@code 3 + 2j}). The one place that adds a row to them, whether the
 * rows' scan ({@link RowScan}) or a tree aggregation over the rows does.
 */
final class ScaleSums {
  private ScaleSums() {}

  /** Zero sums for {@code numFeatures} features. */
  static double[] zero(int numFeatures) {
    return new double[2 + 2 * numFeatures];
  }

  /** Adds a checked row (columns: features, label, weight) to {@code acc}; returns {@code acc}. */
  static double[] addRow(double[] acc, Row row) {
    double w = row.getDouble(2);
    acc[0] += w;
    acc[1] += w * w;
    Vector x = (Vector) row.get(0);
    x.foreachActive((j, v) -> {
      acc[2 + 2 * (int) j] += w * (double) v;
      acc[3 + 2 * (int) j] += w * (double) v * (double) v;
      return scala.runtime.BoxedUnit.UNIT;
    });
    return acc;
  }

  /** Adds {@code b} into {@code a} element by element; returns {@code a}. */
  static double[] add(double[] a, double[] b) {
    for (int i = 0; i < a.length; i++) {
      a[i] += b[i];
    }
    return a;
  }

  /** The feature scale of these sums ({@link FeatureScale#fromSums}). */
  static FeatureScale toScale(double[] sums, int numFeatures) {
    double[] sum = new double[numFeatures];
    double[] squares = new double[numFeatures];
    for (int j = 0; j < numFeatures; j++) {
      sum[j] = sums[2 + 2 * j];
      squares[j] = sums[3 + 2 * j];
    }
    return FeatureScale.fromSums(sums[0], sum, squares);
  }
}
