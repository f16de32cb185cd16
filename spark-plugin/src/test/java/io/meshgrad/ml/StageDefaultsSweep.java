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
 * The measurement behind the Spark ML stages' defaults (learningRate, maxIter, tol): a grid of
 * settings on a9a, mnist10k, Spark's iris sample and Spark's regression sample, each against
 * MLlib's {@code LogisticRegression} / {@code LinearRegression} with their defaults. Not a test
 * (it asserts nothing and takes minutes): run it with
 * {@code mvn -pl spark-plugin test -Dtest=StageDefaultsSweep -Dmeshgrad.sweep=true} and read the
 * table in {@code target/surefire-reports/io.meshgrad.ml.StageDefaultsSweep-output.txt}.
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

  private static double last(double[] h) {
    return h.length == 0 ? Double.NaN : h[h.length - 1];
  }
}
