package io.meshgrad.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real data: a9a (UCI Adult, 123 binary features), the reference binary task. */
class A9aTest {
  private static Dataset<Row> train;
  private static Dataset<Row> test;

  @BeforeAll
  static void load() {
    train = MlData.a9a("a9a").cache();
    test = MlData.a9a("a9a.t").cache();
  }

  @AfterAll
  static void release() {
    train.unpersist();
    test.unpersist();
  }

  /**
   * A fit with no params set gives a good model: within 0.005 of the test accuracy of MLlib's
   * LogisticRegression with its defaults (L-BFGS, standardization), computed here.
   */
  @Test
  void defaultFitMatchesMllibLogisticRegression() {
    double mllib = MlData.accuracy(new LogisticRegression().fit(train).transform(test));
    MeshAdagradClassificationModel model = new MeshAdagradClassifier().fit(train);
    double accuracy = MlData.accuracy(model.transform(test));
    assertTrue(accuracy >= mllib - 0.005, "default fit " + accuracy + ", MLlib " + mllib);
    assertEquals(0.5, model.getLearningRate());
    assertEquals(100, model.getMaxIter());
  }

  /** The settings documented on MeshAdagradClassificationModel: full batch, learningRate 0.5, 100 steps. */
  @Test
  void fullBatchAdagradReachesReferenceAccuracy() {
    MeshAdagradClassificationModel model = new MeshAdagradClassifier()
        .setLearningRate(0.5).setMaxIter(100).setMesh("batch=2").fit(train);
    double accuracy = MlData.accuracy(model.transform(test));
    assertTrue(accuracy >= 0.845, "a9a test accuracy " + accuracy);
    MeshgradTrainingSummary summary = model.summary();
    assertEquals(100, summary.steps());
    assertEquals(100, summary.epochs());
    assertEquals(0, summary.stepsSkipped());
    double[] loss = summary.lossHistory();
    assertEquals(100, loss.length);
    assertEquals(Math.log(2), loss[0], 1e-6, "zero weights give log 2");
    assertTrue(loss[99] < 0.34 && loss[99] < loss[50] && loss[50] < loss[0], "loss " + loss[99]);
    assertEquals(123, model.numFeatures());
    assertEquals(2, model.numClasses());
    assertEquals(1, model.coefficientMatrix().numRows());
    // single-row API agrees with transform
    Row first = model.transform(test).select("features", "rawPrediction", "probability", "prediction").head();
    Vector x = first.getAs(0);
    assertEquals(first.<Vector>getAs(1), model.predictRaw(x));
    assertEquals(first.<Vector>getAs(2), model.predictProbability(x));
    assertEquals(first.getDouble(3), model.predict(x));
  }

  /** Sharding the coefficients over a model dimension must not change the model beyond float rounding. */
  @Test
  void shardedMeshGivesTheSamePredictions() {
    MeshAdagradClassifier clf = new MeshAdagradClassifier().setLearningRate(0.5).setMaxIter(15);
    MeshAdagradClassificationModel plain = clf.copy(new org.apache.spark.ml.param.ParamMap())
        .setMesh("batch=2").fit(train);
    MeshAdagradClassificationModel sharded = clf.setMesh("batch=2,model=2").fit(train);
    double[] a = plain.coefficients().toArray();
    double[] b = sharded.coefficients().toArray();
    for (int j = 0; j < a.length; j++) {
      assertEquals(a[j], b[j], 1e-5 * Math.max(1, Math.abs(a[j])), "coefficient " + j);
    }
    assertEquals(plain.intercept(), sharded.intercept(), 1e-5);
    List<Row> p = plain.transform(test).select("probability", "prediction").collectAsList();
    List<Row> q = sharded.transform(test).select("probability", "prediction").collectAsList();
    int differentPredictions = 0;
    for (int i = 0; i < p.size(); i++) {
      double pi = p.get(i).<Vector>getAs(0).apply(1);
      double qi = q.get(i).<Vector>getAs(0).apply(1);
      assertEquals(pi, qi, 1e-5, "probability of row " + i);
      if (p.get(i).getDouble(1) != q.get(i).getDouble(1)) {
        differentPredictions++;
      }
    }
    assertEquals(0, differentPredictions);
    assertEquals(plain.summary().lossHistory()[14], sharded.summary().lossHistory()[14], 1e-6);
  }
}
