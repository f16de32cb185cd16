package io.meshgrad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshgrad.loss.GradientSum;
import io.meshgrad.loss.Instance;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;

/** Random training rows and comparisons for the tests. */
public final class Rows {
  private Rows() {}

  /**
   * {@code n} rows of {@code d} features, as sparse vectors with about a third non-zero or as dense
   * vectors without zeros (so blocks keep the vectors' layout), labels in {0, 1, 2} (valid for
   * every built-in loss but the binary ones), and weights in [0.5, 2) when {@code weighted}.
   */
  public static List<Instance> random(long seed, int n, int d, boolean sparse, boolean weighted) {
    Random rnd = new Random(seed);
    List<Instance> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      double[] x = new double[d];
      for (int j = 0; j < d; j++) {
        x[j] = !sparse || rnd.nextInt(3) == 0 ? rnd.nextGaussian() : 0.0;
      }
      double weight = weighted ? 0.5 + 1.5 * rnd.nextDouble() : 1.0;
      rows.add(new Instance(rnd.nextInt(3), weight, vector(x, sparse)));
    }
    return rows;
  }

  public static Vector vector(double[] x, boolean sparse) {
    if (!sparse) {
      return new DenseVector(x.clone());
    }
    return new DenseVector(x).toSparse();
  }

  public static SparseVector sparse(int size, int[] indices, double[] values) {
    return new SparseVector(size, indices, values);
  }

  public static void assertSameRow(Instance expected, Instance actual, String where) {
    assertEquals(expected.label(), actual.label(), "label of " + where);
    assertEquals(expected.weight(), actual.weight(), "weight of " + where);
    assertArrayEquals(
        expected.features().toArray(), actual.features().toArray(), "features of " + where);
  }

  public static void assertClose(GradientSum expected, GradientSum actual, double relTol) {
    assertEquals(expected.count(), actual.count(), "count");
    assertClose(expected.weightSum(), actual.weightSum(), relTol, "weightSum");
    assertClose(expected.lossSum(), actual.lossSum(), relTol, "lossSum");
    double[] eg = expected.coefGrad();
    double[] ag = actual.coefGrad();
    double scale = maxAbs(eg);
    for (int j = 0; j < eg.length; j++) {
      assertEquals(eg[j], ag[j], relTol * Math.max(1.0, scale), "coefGrad[" + j + "]");
    }
    if (expected.fitIntercept()) {
      double[] ei = expected.interceptGrad();
      double[] ai = actual.interceptGrad();
      for (int k = 0; k < ei.length; k++) {
        assertClose(ei[k], ai[k], relTol, "interceptGrad[" + k + "]");
      }
    }
  }

  public static void assertBitIdentical(GradientSum expected, GradientSum actual) {
    assertEquals(expected.count(), actual.count(), "count");
    assertEquals(bits(expected.weightSum()), bits(actual.weightSum()), "weightSum bits");
    assertEquals(bits(expected.lossSum()), bits(actual.lossSum()), "lossSum bits");
    assertArrayEquals(bits(expected.coefGrad()), bits(actual.coefGrad()), "coefGrad bits");
    if (expected.fitIntercept()) {
      assertArrayEquals(
          bits(expected.interceptGrad()), bits(actual.interceptGrad()), "interceptGrad bits");
    }
  }

  private static void assertClose(double expected, double actual, double relTol, String what) {
    assertEquals(expected, actual, relTol * Math.max(1.0, Math.abs(expected)), what);
  }

  private static double maxAbs(double[] a) {
    double m = 0;
    for (double v : a) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  /** The bits of {@code v}, for bit-for-bit comparisons. */
  public static long bits(double v) {
    return Double.doubleToRawLongBits(v);
  }

  /** The bits of each element of {@code a}, for bit-for-bit comparisons. */
  public static long[] bits(double[] a) {
    long[] b = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      b[i] = bits(a[i]);
    }
    return b;
  }

  /**
   * 400 Spark rows ({@code features}, {@code label}, {@code weight}) of 5 features, all 1, among the
   * first {@code keep} of {@code d}: a wide, sparse model of which only the first columns are used.
   * Labels alternate 0/1; weights are 1.
   */
  public static List<org.apache.spark.sql.Row> highDimensional(int d, int keep) {
    Random r = new Random(3);
    List<org.apache.spark.sql.Row> rows = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      java.util.TreeSet<Integer> cols = new java.util.TreeSet<>();
      while (cols.size() < 5) {
        cols.add(r.nextInt(keep));
      }
      int[] idx = cols.stream().mapToInt(Integer::intValue).toArray();
      double[] vals = {1, 1, 1, 1, 1};
      rows.add(org.apache.spark.sql.RowFactory.create(org.apache.spark.ml.linalg.Vectors.sparse(d, idx, vals),
          (double) (i % 2), 1.0));
    }
    return rows;
  }
}
