package io.meshgrad.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.feature.ElementwiseProduct;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * MLlib's {@code standardization} on every stage: features divided by their standard deviation
 * inside the fit, weights reported on the features' own scale, so a fit on features scaled by
 * 1000 predicts as the fit on the features themselves; a zero-variance feature gets weight 0;
 * where the weights take the row-sparse pull an explicit true is refused in one line.
 */
class StandardizationTest {
  private static final double[] THOUSANDS = {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000};

  private static Dataset<Row> times(Dataset<Row> df, double[] factors) {
    return new ElementwiseProduct().setScalingVec(Vectors.dense(factors)).setInputCol("features")
        .setOutputCol("scaled").transform(df).drop("features").withColumnRenamed("scaled", "features");
  }

  private static double[] predictions(Dataset<Row> predicted, String column) {
    return predicted.select(column).collectAsList().stream().mapToDouble(r -> r.getDouble(0)).toArray();
  }

  private static void assertClose(double[] expected, double[] actual, double relative, String what) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], relative * Math.max(1, Math.abs(expected[i])), what + " at row " + i);
    }
  }

  @Test
  void aLinearFitOnFeaturesTimesAThousandPredictsAsOnTheFeatures() {
    Dataset<Row> plain = MlData.linearRegressionSample();
    Dataset<Row> scaled = times(plain, THOUSANDS);
    MeshAdagradRegressor regressor = new MeshAdagradRegressor().setMaxIter(50).setMesh("batch=2").setTol(0);
    assertTrue(regressor.getStandardization(), "MLlib's default");
    MeshAdagradRegressionModel onPlain = regressor.fit(plain);
    MeshAdagradRegressionModel onScaled = regressor.fit(scaled);
    assertClose(predictions(onPlain.transform(plain), "prediction"),
        predictions(onScaled.transform(scaled), "prediction"), 1e-4, "prediction");
    for (int j = 0; j < 10; j++) {
      assertEquals(onPlain.coefficients().apply(j) / 1000, onScaled.coefficients().apply(j),
          1e-4 * Math.abs(onPlain.coefficients().apply(j) / 1000) + 1e-12, "coefficient " + j);
    }
    // without standardization the scaled fit is another fit
    MeshAdagradRegressionModel raw = regressor.copy(org.apache.spark.ml.param.ParamMap.empty())
        .setStandardization(false).fit(scaled);
    assertFalse(Math.abs(raw.coefficients().apply(0) - onScaled.coefficients().apply(0))
        <= 1e-3 * Math.abs(onScaled.coefficients().apply(0)), raw.coefficients() + " vs " + onScaled.coefficients());

    MeshAdagradClassifier classifier = new MeshAdagradClassifier().setMaxIter(30).setMesh("batch=2");
    Dataset<Row> a9a = MlData.a9a("a9a").limit(3000);
    double[] byHundreds = new double[123];
    java.util.Arrays.fill(byHundreds, 100);
    MeshAdagradClassificationModel c1 = classifier.fit(a9a);
    MeshAdagradClassificationModel c2 = classifier.fit(times(a9a, byHundreds));
    List<Row> p1 = c1.transform(a9a).select("probability").collectAsList();
    List<Row> p2 = c2.transform(times(a9a, byHundreds)).select("probability").collectAsList();
    for (int i = 0; i < p1.size(); i++) {
      assertEquals(((Vector) p1.get(i).get(0)).apply(1), ((Vector) p2.get(i).get(0)).apply(1), 1e-4, "row " + i);
    }
  }

  @Test
  void aZeroVarianceFeatureGetsWeightZeroAndEveryStageHasTheParam() {
    List<Vector> features = new ArrayList<>();
    double[] labels = new double[40];
    java.util.Random r = new java.util.Random(3);
    for (int i = 0; i < 40; i++) {
      double x = r.nextGaussian();
      features.add(Vectors.dense(x, 5.0, 0.0));
      labels[i] = 2 * x + 1;
    }
    Dataset<Row> df = MlData.frame(features, labels);
    MeshAdagradRegressionModel m = new MeshAdagradRegressor().setMaxIter(20).setMesh("batch=1").fit(df);
    assertEquals(0.0, m.coefficients().apply(1));
    assertEquals(0.0, m.coefficients().apply(2));
    assertTrue(m.coefficients().apply(0) != 0);
    MeshFMRegressionModel fm = new MeshFMRegressor().setStandardization(true).setMaxIter(5).setMesh("batch=1").fit(df);
    assertEquals(0.0, fm.linear().apply(1), 0.0);
    assertEquals(0.0, fm.factors().apply(1, 0), 0.0);
    MeshMLPRegressionModel mlp = new MeshMLPRegressor().setStandardization(true).setLayers(new int[] {3, 2, 1})
        .setMaxIter(5).setMesh("batch=1").fit(df);
    assertEquals(0.0, mlp.weights().apply(2), 0.0, "kernel row 1 (the constant feature), column 0");
    assertEquals(0.0, mlp.weights().apply(3), 0.0);
    for (MeshgradParams stage : List.<MeshgradParams>of(new MeshAdagradClassifier(), new MeshAdagradRegressor(),
        new MeshFMClassifier(), new MeshFMRegressor(), new MeshMLPClassifier(), new MeshMLPRegressor())) {
      assertTrue(stage.hasParam("standardization"), stage.getClass().getSimpleName());
    }
  }

  @Test
  void anExplicitTrueIsRefusedWhereTheWeightsTakeTheRowPull() {
    int wide = 1 << 16;
    List<Vector> features = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      features.add(Vectors.sparse(wide, new int[] {i, wide - 1 - i}, new double[] {1, 2}));
    }
    Dataset<Row> df = MlData.frame(features, new double[] {0, 1, 0, 1, 0, 1, 0, 1});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MeshAdagradClassifier()
        .setStandardization(true).setMaxIter(2).setMesh("batch=2,model=2").fit(df));
    assertTrue(e.getMessage().startsWith("standardization is true and the rows have 65536 features: on mesh"
        + " batch=2,model=2 the feature-indexed weights take the row-sparse pull"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }
}
