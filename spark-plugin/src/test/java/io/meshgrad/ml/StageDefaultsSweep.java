package io.meshgrad.ml;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The measurement behind the Spark ML stages' defaults (learningRate, maxIter, tol,
 * initialAccumulatorValue, standardization): a grid of settings on a9a, mnist10k, Spark's iris
 * sample and Spark's regression sample, each against MLlib's {@code LogisticRegression} / {@code
 * LinearRegression} with their defaults ({@link #sweep}); the MLP on mnist10k as stored (pixels
 * 0..255) and divided by 255 ({@link #mlp}); and hashed click data ({@link SyntheticClicks}:
 * power-law one-hot fields hashed into 2^18 features, labels from a planted FM), a logistic and an
 * FM fit of one epoch in batches of 4096, by test AUC ({@link #clicks}). Not a test (it asserts
 * nothing and takes minutes): run it with
 * {@code mvn -pl spark-plugin test -Dtest=StageDefaultsSweep -Dmeshgrad.sweep=true} (one part:
 * {@code -Dtest='StageDefaultsSweep#clicks'}) and read the table in
 * {@code target/surefire-reports/io.meshgrad.ml.StageDefaultsSweep-output.txt}.
 */
@EnabledIfSystemProperty(named = "meshgrad.sweep", matches = "true")
class StageDefaultsSweep {
  private static final double[] LEARNING_RATES = {0.1, 0.2, 0.5, 1.0};
  private static final int[] STEPS = {100, 200};
  private static final double[] TOLS = {1e-6, 1e-5, 1e-4};

  private final List<String> lines = new ArrayList<>();

  @Test
  void sweep() {
    Dataset<Row> a9aTrain = MlData.a9a("a9a").cache();
    Dataset<Row> a9aTest = MlData.a9a("a9a.t").cache();
    classification("a9a", a9aTrain, a9aTest);
    Dataset<Row> mnistTrain = MlData.mnist("mnist10k.train").cache();
    Dataset<Row> mnistTest = MlData.mnist("mnist10k.test").cache();
    classification("mnist10k", mnistTrain, mnistTest);
    Dataset<Row> iris = MlData.iris().cache();
    classification("iris (train = test)", iris, iris);
    Dataset<Row> reg = MlData.linearRegressionSample().cache();
    regression("linear regression sample (train = test)", reg);
    System.out.println(String.join("\n", lines));
  }

  private void classification(String name, Dataset<Row> train, Dataset<Row> test) {
    double mllib = MlData.accuracy(new LogisticRegression().fit(train).transform(test));
    lines.add(String.format(Locale.ROOT, "%s: MLlib LogisticRegression (defaults) test accuracy %.4f", name, mllib));
    for (double lr : LEARNING_RATES) {
      for (int steps : STEPS) {
        MeshAdagradClassificationModel m = new MeshAdagradClassifier().setLearningRate(lr).setMaxIter(steps)
            .setTol(0).fit(train);
        lines.add(String.format(Locale.ROOT, "%s: lr %.1f, %d steps, tol 0: accuracy %.4f (%+.4f), loss %.5f, %.1f s",
            name, lr, steps, MlData.accuracy(m.transform(test)), MlData.accuracy(m.transform(test)) - mllib,
            last(m.summary().lossHistory()), m.summary().wallSeconds()));
      }
      for (double tol : TOLS) {
        MeshAdagradClassificationModel m = new MeshAdagradClassifier().setLearningRate(lr).setMaxIter(300)
            .setTol(tol).fit(train);
        double acc = MlData.accuracy(m.transform(test));
        lines.add(String.format(Locale.ROOT, "%s: lr %.1f, maxIter 300, tol %.0e: %d steps, accuracy %.4f (%+.4f)",
            name, lr, tol, m.summary().steps(), acc, acc - mllib));
      }
    }
  }

  private void regression(String name, Dataset<Row> data) {
    RegressionEvaluator rmse = new RegressionEvaluator().setMetricName("rmse");
    double mllib = rmse.evaluate(new LinearRegression().fit(data).transform(data));
    lines.add(String.format(Locale.ROOT, "%s: MLlib LinearRegression (defaults) rmse %.4f", name, mllib));
    for (double lr : LEARNING_RATES) {
      for (int steps : STEPS) {
        MeshAdagradRegressionModel m = new MeshAdagradRegressor().setLearningRate(lr).setMaxIter(steps).setTol(0)
            .fit(data);
        double r = rmse.evaluate(m.transform(data));
        lines.add(String.format(Locale.ROOT, "%s: lr %.1f, %d steps, tol 0: rmse %.4f (%+.4f)", name, lr, steps, r,
            r - mllib));
      }
      for (double tol : TOLS) {
        MeshAdagradRegressionModel m = new MeshAdagradRegressor().setLearningRate(lr).setMaxIter(300).setTol(tol)
            .fit(data);
        double r = rmse.evaluate(m.transform(data));
        lines.add(String.format(Locale.ROOT, "%s: lr %.1f, maxIter 300, tol %.0e: %d steps, rmse %.4f (%+.4f)", name,
            lr, tol, m.summary().steps(), r, r - mllib));
      }
    }
  }

  /**
   * The MLP (784-128-10, relu) on mnist10k with the stage defaults (100 full-batch steps at
   * learning rate 0.5, what {@code bin/meshgrad train --model mlp --layers 784,128,10} runs), on the
   * raw pixels and on pixels / 255, with and without standardization.
   */
  @Test
  void mlp() {
    Dataset<Row> rawTrain = MlData.mnistRaw("mnist10k.train").cache();
    Dataset<Row> rawTest = MlData.mnistRaw("mnist10k.test").cache();
    Dataset<Row> train = MlData.mnist("mnist10k.train").cache();
    Dataset<Row> test = MlData.mnist("mnist10k.test").cache();
    List<String> out = new ArrayList<>();
    // {standardization, raw pixels, learning rate, batch size, steps}
    double[][] grid = {{1, 1, 0.5, 0, 100}, {0, 1, 0.5, 0, 100}, {0, 0, 0.5, 0, 100},
        {1, 1, 0.02, 0, 100}, {1, 1, 0.05, 0, 100}, {1, 1, 0.1, 0, 100}, {1, 1, 0.2, 0, 100},
        {1, 1, 0.02, 256, 300}, {1, 1, 0.05, 256, 300}, {1, 1, 0.1, 256, 300}, {0, 0, 0.3, 256, 600},
        {1, 1, 0.1, 256, 600}, {1, 1, 0.2, 256, 600}, {1, 1, 0.1, 256, 1000}, {1, 1, 0.2, 256, 1000},
        {1, 1, 0.05, 128, 1200}};
    int from = Integer.getInteger("meshgrad.sweep.mlpFrom", 0); // to rerun the last rows only
    grid = java.util.Arrays.copyOfRange(grid, from, grid.length);
    for (double[] g : grid) {
      boolean raw = g[1] == 1;
      MeshMLPClassificationModel m = new MeshMLPClassifier().setLayers(new int[] {784, 128, 10})
          .setStandardization(g[0] == 1).setLearningRate(g[2]).setBatchSize((int) g[3]).setMaxIter((int) g[4])
          .setMesh("batch=2").setTol(0).fit(raw ? rawTrain : train);
      double acc = MlData.accuracy(m.transform(raw ? rawTest : test));
      out.add(String.format(Locale.ROOT, "mlp mnist10k %s: standardization %s, lr %.2f, batch %d, %d steps:"
          + " accuracy %.4f, first loss %.3f, last loss %.4f", raw ? "raw" : "/255", g[0] == 1, g[2], (int) g[3],
          (int) g[4], acc, m.summary().lossHistory()[0], last(m.summary().lossHistory())));
      System.out.println(out.get(out.size() - 1));
    }
    System.out.println(String.join("\n", out));
  }

  /**
   * The linear stages' defaults (standardization true, learning rate 0.5, 100 full-batch steps) on
   * a9a, mnist10k /255 and iris against MLlib's LogisticRegression, over initialAccumulatorValue.
   */
  @Test
  void linearInitialAccumulator() {
    Object[][] sets = {{"a9a", MlData.a9a("a9a").cache(), MlData.a9a("a9a.t").cache()},
        {"mnist10k", MlData.mnist("mnist10k.train").cache(), MlData.mnist("mnist10k.test").cache()},
        {"iris (train = test)", MlData.iris().cache(), MlData.iris().cache()}};
    List<String> out = new ArrayList<>();
    for (Object[] set : sets) {
      @SuppressWarnings("unchecked")
      Dataset<Row> train = (Dataset<Row>) set[1];
      @SuppressWarnings("unchecked")
      Dataset<Row> test = (Dataset<Row>) set[2];
      double mllib = MlData.accuracy(new LogisticRegression().fit(train).transform(test));
      double[] iavs = java.util.Arrays.stream(System.getProperty("meshgrad.sweep.iavs", "0.1,0.01,1e-6").split(","))
          .mapToDouble(Double::parseDouble).toArray();
      for (double iav : iavs) {
        for (boolean standardization : new boolean[] {true, false}) {
          if (!standardization && Boolean.getBoolean("meshgrad.sweep.standardizedOnly")) {
            continue;
          }
          double acc = MlData.accuracy(new MeshAdagradClassifier().setInitialAccumulatorValue(iav)
              .setStandardization(standardization).setMesh("batch=2").fit(train).transform(test));
          out.add(String.format(Locale.ROOT, "%s: defaults with initialAccumulatorValue %.0e, standardization %s:"
              + " accuracy %.4f (MLlib %.4f, %+.4f)", set[0], iav, standardization, acc, mllib, acc - mllib));
          System.out.println(out.get(out.size() - 1));
        }
      }
    }
    System.out.println(String.join("\n", out));
  }

  /**
   * Logistic and FM fits of one epoch (batches of 4096) on hashed click data, by test AUC against
   * the planted model's AUC (the ceiling), over initialAccumulatorValue, learning rate and
   * standardization.
   */
  @Test
  void clicks() {
    org.apache.spark.sql.SparkSession spark = MlData.spark();
    io.meshgrad.data.SyntheticClicks gen = io.meshgrad.data.SyntheticClicks.builder().seed(7).hashBits(18)
        .fields(20).valuesPerField(100_000).build();
    Dataset<Row> all = gen.dataFrame(spark, 625_000, 4).cache();
    Dataset<Row>[] split = all.randomSplit(new double[] {0.8, 0.2}, 1L);
    Dataset<Row> train = split[0].cache();
    Dataset<Row> test = split[1].cache();
    org.apache.spark.ml.evaluation.BinaryClassificationEvaluator auc =
        new org.apache.spark.ml.evaluation.BinaryClassificationEvaluator().setRawPredictionCol("rawPrediction");
    List<String> out = new ArrayList<>();
    out.add(String.format(Locale.ROOT, "clicks (2^18 features, 20 fields, %d train / %d test rows): planted AUC %.4f",
        train.count(), test.count(), io.meshgrad.data.SyntheticClicks.plantedAuc(test)));
    System.out.println(out.get(0));
    for (String family : new String[] {"logistic", "fm"}) {
      for (boolean standardization : new boolean[] {false, true}) {
        double[] iavs = standardization ? new double[] {0.1, 1e-6} : new double[] {0.1, 1e-2, 1e-3, 1e-6};
        for (double iav : iavs) {
          for (double lr : new double[] {0.1, 0.5}) {
            long t0 = System.nanoTime();
            double a;
            if (family.equals("logistic")) {
              a = auc.evaluate(new MeshAdagradClassifier().setInitialAccumulatorValue(iav).setLearningRate(lr)
                  .setStandardization(standardization).setBatchSize(4096).setMaxEpochs(1).setMaxIter(1_000_000)
                  .setTol(0).setMesh("batch=2").fit(train).transform(test));
            } else {
              a = auc.evaluate(new MeshFMClassifier().setInitialAccumulatorValue(iav).setLearningRate(lr)
                  .setStandardization(standardization).setFactorSize(4).setBatchSize(4096).setMaxEpochs(1)
                  .setMaxIter(1_000_000).setTol(0).setMesh("batch=2").fit(train).transform(test));
            }
            out.add(String.format(Locale.ROOT, "clicks %s: initialAccumulatorValue %.0e, lr %.1f, standardization %s:"
                + " test AUC %.4f (%.0f s)", family, iav, lr, standardization, a, (System.nanoTime() - t0) / 1e9));
            System.out.println(out.get(out.size() - 1));
          }
        }
      }
    }
    System.out.println(String.join("\n", out));
  }

  private static double last(double[] h) {
    return h.length == 0 ? Double.NaN : h[h.length - 1];
  }
}
