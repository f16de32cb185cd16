package io.meshgrad.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code model.evaluate(df)} gives MLlib's summary names with the values of Spark's own evaluators
 * on the same predictions; {@code threshold} behaves as MLlib's {@code LogisticRegression}'s.
 */
class EvaluationTest {
  private static Dataset<Row> data;

  @BeforeAll
  static void load() {
    Dataset<Row> raw = new VectorAssembler().setInputCols(new String[] {"x1", "x2", "x3"}).setOutputCol("raw")
        .transform(MlData.synthetic(600, 3));
    data = new StandardScaler().setInputCol("raw").setOutputCol("features").setWithMean(true).fit(raw)
        .transform(raw).withColumn("w", when(col("isVal"), 3.0).otherwise(1.0)).cache();
  }

  @AfterAll
  static void release() {
    data.unpersist();
  }

  private static MeshAdagradClassifier binary() {
    return new MeshAdagradClassifier().setLabelCol("binary").setLearningRate(0.5).setMaxIter(30).setMesh("batch=2");
  }

  @Test
  void binarySummaryMatchesSparkEvaluators() {
    MeshAdagradClassificationModel model = binary().fit(data);
    int cached = MlData.spark().sparkContext().getPersistentRDDs().size();
    MeshAdagradClassificationSummary summary = model.evaluate(data);
    MeshAdagradBinaryClassificationSummary b = assertInstanceOf(MeshAdagradBinaryClassificationSummary.class, summary);
    assertSame(b, summary.asBinary());
    Dataset<Row> predictions = model.transform(data);
    MulticlassClassificationEvaluator multi = new MulticlassClassificationEvaluator().setLabelCol("binary");
    assertEquals(multi.setMetricName("accuracy").evaluate(predictions), summary.accuracy(), 1e-12);
    assertTrue(summary.accuracy() > 0.85, "accuracy " + summary.accuracy());
    assertArrayEquals(new double[] {0, 1}, summary.labels());
    for (int label = 0; label < 2; label++) {
      multi.setMetricLabel(label);
      assertEquals(multi.setMetricName("precisionByLabel").evaluate(predictions), summary.precisionByLabel()[label],
          1e-12);
      assertEquals(multi.setMetricName("recallByLabel").evaluate(predictions), summary.recallByLabel()[label], 1e-12);
      assertEquals(multi.setMetricName("fMeasureByLabel").evaluate(predictions), summary.fMeasureByLabel()[label],
          1e-12);
      assertEquals(multi.setMetricName("falsePositiveRateByLabel").evaluate(predictions),
          summary.falsePositiveRateByLabel()[label], 1e-12);
    }
    assertEquals(multi.setMetricName("weightedFMeasure").evaluate(predictions), summary.weightedFMeasure(), 1e-12);
    // the exact area (no binning) against the summary's, binned to 100 bins as MLlib's summary
    double auc = new BinaryClassificationEvaluator().setLabelCol("binary").setRawPredictionCol("probability")
        .setNumBins(0).evaluate(predictions);
    assertEquals(auc, b.areaUnderROC(), 2e-3);
    assertEquals("probability", b.scoreCol());
    List<Row> roc = b.roc().collectAsList();
    assertEquals(List.of("FPR", "TPR"), List.of(b.roc().columns()));
    assertEquals(0.0, roc.get(0).getDouble(0));
    assertEquals(1.0, roc.get(roc.size() - 1).getDouble(1));
    assertEquals(List.of("recall", "precision"), List.of(b.pr().columns()));
    assertEquals(List.of("threshold", "F-Measure"), List.of(b.fMeasureByThreshold().columns()));
    assertTrue(b.precisionByThreshold().count() > 1);
    assertEquals(b.precisionByThreshold().count(), b.recallByThreshold().count());
    assertEquals(cached, MlData.spark().sparkContext().getPersistentRDDs().size(), "evaluating caches nothing");
  }

  @Test
  void weightsCountInTheSummary() {
    MeshAdagradClassificationModel model = binary().setWeightCol("w").fit(data);
    Dataset<Row> predictions = model.transform(data);
    MulticlassClassificationEvaluator weighted = new MulticlassClassificationEvaluator().setLabelCol("binary")
        .setWeightCol("w").setMetricName("accuracy");
    assertEquals(weighted.evaluate(predictions), model.evaluate(data).accuracy(), 1e-12);
    assertEquals("w", model.evaluate(data).weightCol());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> model.evaluate(data.drop("w")));
    assertTrue(e.getMessage().startsWith("weightCol 'w' does not exist"), e.getMessage());
  }

  @Test
  void hingeSummaryScoresTheMargin() {
    MeshAdagradClassificationModel model = binary().setLoss("hinge").fit(data);
    MeshAdagradBinaryClassificationSummary b = model.evaluate(data).asBinary();
    assertEquals("rawPrediction", b.scoreCol());
    double auc = new BinaryClassificationEvaluator().setLabelCol("binary").setNumBins(0)
        .evaluate(model.transform(data));
    assertEquals(auc, b.areaUnderROC(), 2e-3);
  }

  @Test
  void multiclassSummaryIsNotBinary() {
    MeshAdagradClassificationModel model = new MeshAdagradClassifier().setLabelCol("multi").setLearningRate(0.5)
        .setMaxIter(30).setMesh("batch=2").fit(data);
    MeshAdagradClassificationSummary summary = model.evaluate(data);
    assertArrayEquals(new double[] {0, 1, 2}, summary.labels());
    Dataset<Row> predictions = model.transform(data);
    assertEquals(new MulticlassClassificationEvaluator().setLabelCol("multi").setMetricName("accuracy")
        .evaluate(predictions), summary.accuracy(), 1e-12);
    assertEquals(3, summary.recallByLabel().length);
    assertThrows(UnsupportedOperationException.class, summary::asBinary);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> model.evaluate(data.drop("multi")));
    assertTrue(e.getMessage().startsWith("labelCol 'multi' does not exist"), e.getMessage());
  }

  @Test
  void regressionSummaryMatchesRegressionEvaluator() {
    MeshAdagradRegressionModel model = new MeshAdagradRegressor().setLabelCol("y").setLearningRate(0.5)
        .setMaxIter(100).setMesh("batch=2").fit(data);
    MeshAdagradRegressionSummary summary = model.evaluate(data);
    Dataset<Row> predictions = model.transform(data);
    RegressionEvaluator ev = new RegressionEvaluator().setLabelCol("y");
    assertEquals(ev.setMetricName("rmse").evaluate(predictions), summary.rootMeanSquaredError(), 1e-12);
    assertEquals(ev.setMetricName("mse").evaluate(predictions), summary.meanSquaredError(), 1e-12);
    assertEquals(ev.setMetricName("mae").evaluate(predictions), summary.meanAbsoluteError(), 1e-12);
    assertEquals(ev.setMetricName("r2").evaluate(predictions), summary.r2(), 1e-12);
    assertEquals(ev.setMetricName("var").evaluate(predictions), summary.explainedVariance(), 1e-12);
    assertTrue(summary.r2() > 0.9, "r2 " + summary.r2());
    assertEquals(600, summary.numInstances());
    assertEquals(1 - (1 - summary.r2()) * 599 / 596, summary.r2adj(), 1e-12);
    assertEquals(List.of("residuals"), List.of(summary.residuals().columns()));
    Row first = predictions.select("y", "prediction").head();
    assertEquals(first.getDouble(0) - first.getDouble(1), summary.residuals().head().getDouble(0), 1e-12);
  }

  @Test
  void factorizationMachineAndMlpModelsEvaluateWithTheSameSummaries() {
    MeshFMClassificationModel fm = new MeshFMClassifier().setLabelCol("binary").setFactorSize(2).setMaxIter(30)
        .setMesh("batch=2").fit(data);
    MeshMLPClassificationModel mlp = new MeshMLPClassifier().setLabelCol("binary").setHiddenLayers(new int[] {4})
        .setMaxIter(30).setMesh("batch=2").fit(data);
    MulticlassClassificationEvaluator accuracy = new MulticlassClassificationEvaluator().setLabelCol("binary")
        .setMetricName("accuracy");
    for (var summaryAndPredictions : List.of(List.of(fm.evaluate(data), fm.transform(data)),
        List.of(mlp.evaluate(data), mlp.transform(data)))) {
      MeshAdagradClassificationSummary summary = (MeshAdagradClassificationSummary) summaryAndPredictions.get(0);
      @SuppressWarnings("unchecked")
      Dataset<Row> predictions = (Dataset<Row>) summaryAndPredictions.get(1);
      assertInstanceOf(MeshAdagradBinaryClassificationSummary.class, summary);
      assertEquals(accuracy.evaluate(predictions), summary.accuracy(), 1e-12);
    }
    MeshFMRegressionModel fmr = new MeshFMRegressor().setLabelCol("y").setFactorSize(2).setMaxIter(30)
        .setMesh("batch=2").fit(data);
    MeshMLPRegressionModel mlpr = new MeshMLPRegressor().setLabelCol("y").setHiddenLayers(new int[] {4})
        .setMaxIter(30).setMesh("batch=2").fit(data);
    RegressionEvaluator rmse = new RegressionEvaluator().setLabelCol("y").setMetricName("rmse");
    assertEquals(rmse.evaluate(fmr.transform(data)), fmr.evaluate(data).rootMeanSquaredError(), 1e-12);
    assertEquals(rmse.evaluate(mlpr.transform(data)), mlpr.evaluate(data).rootMeanSquaredError(), 1e-12);
  }

  @Test
  void thresholdAsMllib() {
    MeshAdagradClassificationModel model = binary().fit(data);
    assertEquals(0.5, model.getThreshold());
    model.setThreshold(0.9);
    assertArrayEquals(new double[] {0.1, 0.9}, model.getThresholds(), 1e-15);
    for (Row r : model.transform(data).select("probability", "prediction", "features").collectAsList()) {
      double p1 = r.<Vector>getAs(0).apply(1);
      assertEquals(p1 > 0.9 ? 1.0 : 0.0, r.getDouble(1));
      assertEquals(r.getDouble(1), model.predict(r.getAs(2)));
    }
    long positives = model.transform(data).filter(col("prediction").equalTo(1.0)).count();
    long atHalf = model.copy(new ParamMap()).setThreshold(0.5).transform(data).filter(col("prediction").equalTo(1.0))
        .count();
    assertTrue(positives < atHalf, positives + " positives at 0.9, " + atHalf + " at 0.5");
    // thresholds and threshold replace each other
    model.setThresholds(new double[] {0.3, 0.7});
    assertEquals(0.7, model.getThreshold(), 1e-12);
    assertTrue(!model.isSet(model.threshold()));
    model.setThreshold(0.4);
    assertTrue(!model.isSet(model.thresholds()));
    // set together (a ParamMap bypasses the setters), they must agree
    MeshAdagradClassificationModel both = model.copy(new ParamMap().put(model.thresholds(), new double[] {0.5, 0.5}));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> both.transform(data));
    assertTrue(e.getMessage().contains("disagree"), e.getMessage());
    // the estimator's threshold reaches the model
    MeshAdagradClassifier clf = binary().setThreshold(0.8);
    assertEquals(0.8, clf.getThreshold());
    assertEquals(0.8, clf.fit(data).getThreshold());
    // threshold is for binomial logistic models
    assertThrows(IllegalArgumentException.class, () -> clf.copy(new ParamMap()).setLabelCol("multi").fit(data));
    assertThrows(IllegalArgumentException.class, () -> clf.copy(new ParamMap()).setLoss("hinge").fit(data));
    assertThrows(IllegalArgumentException.class, () -> clf.setThreshold(1.5));
    assertEquals(0.8, clf.getThreshold(), "a rejected value leaves the param as it was");
  }
}
