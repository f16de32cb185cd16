package io.meshgrad.ml;

import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.util.SizeEstimator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a Spark Connect client gets from a model through transform with a query column
 * ({@link ConnectAnswers}), the model's own size for Connect's model cache, and a training summary
 * that survives the cache's offload and reload (saveToLocal / loadFromLocal).
 */
class ConnectAnswersTest {
  @TempDir
  Path tmp;

  private static Dataset<Row> binaryData() {
    return MlData.frame(List.of(Vectors.dense(1, 0, 2), Vectors.dense(-1, 1, 0), Vectors.sparse(3, new int[] {2},
        new double[] {-1}), Vectors.dense(2, 2, 1), Vectors.dense(-2, 0, -1), Vectors.dense(0.5, -1, 1)),
        new double[] {1, 0, 0, 1, 0, 1});
  }

  private static Dataset<Row> ask(Dataset<?> rows, String query) {
    return rows.withColumn(ConnectAnswers.QUERY_PREFIX + query, lit(1));
  }

  private static Dataset<Row> one() {
    return MlData.spark().range(1).toDF();
  }

  @Test
  void attributesAreTheJavaValuesAndFailuresAreNamed() {
    MeshAdagradClassificationModel m = new MeshAdagradClassifier().setMaxIter(5).fit(binaryData());
    Row row = m.transform(ask(one(), "attributes")).first();
    assertEquals(m.coefficients(), row.getAs("coefficients"));
    assertEquals(m.intercept(), (double) row.getAs("intercept"));
    assertEquals(m.coefficientMatrix(), row.getAs("coefficientMatrix"));
    assertEquals(2, (int) row.getAs("numClasses"));
    assertEquals(3, (int) row.getAs("numFeatures"));
    assertTrue((boolean) row.getAs("hasSummary"));
    assertEquals(m.toString(), row.getAs("toString"));
    assertTrue(row.<String, String>getJavaMap(row.fieldIndex(ConnectAnswers.ERRORS)).isEmpty());

    Dataset<Row> three = MlData.frame(List.of(Vectors.dense(1, 0), Vectors.dense(0, 1), Vectors.dense(-1, -1)),
        new double[] {0, 1, 2});
    MeshAdagradClassificationModel multi = new MeshAdagradClassifier().setMaxIter(3).fit(three);
    Row multiRow = multi.transform(ask(one(), "attributes")).first();
    assertNull(multiRow.getAs("coefficients"));
    String error = multiRow.<String, String>getJavaMap(multiRow.fieldIndex(ConnectAnswers.ERRORS)).get("coefficients");
    String expected = assertThrows(RuntimeException.class, multi::coefficients).getMessage();
    assertTrue(error.endsWith(expected), error);
  }

  @Test
  void summaryAndEvaluationAnswerWithTheJavaNumbers() {
    Dataset<Row> data = binaryData();
    MeshAdagradClassificationModel m = new MeshAdagradClassifier().setMaxIter(4).fit(data);
    Row s = m.transform(ask(one(), "summary")).first();
    assertEquals(toList(m.summary().lossHistory()), s.getList(s.fieldIndex("lossHistory")));
    assertEquals(m.summary().totalIterations(), (int) s.getAs("totalIterations"));

    Row e = m.transform(ask(data, "evaluate")).first();
    MeshAdagradClassificationSummary direct = m.evaluate(data);
    assertEquals("MeshAdagradBinaryClassificationSummary", e.getAs(ConnectAnswers.SUMMARY_CLASS));
    assertEquals(direct.accuracy(), (double) e.getAs("accuracy"));
    assertEquals(direct.asBinary().areaUnderROC(), (double) e.getAs("areaUnderROC"));
    assertEquals(direct.asBinary().roc().count(), m.transform(ask(data, "evaluate:roc")).count());

    MeshFMRegressionModel fm = new MeshFMRegressor().setMaxIter(3).setFactorSize(2).fit(data);
    Row fmRow = fm.transform(ask(one(), "attributes")).first();
    assertEquals(fm.factors(), fmRow.getAs("factors"));
    assertEquals(fm.linear(), fmRow.getAs("linear"));
    Row r = fm.transform(ask(data, "evaluate")).first();
    assertEquals(fm.evaluate(data).rootMeanSquaredError(), (double) r.getAs("rootMeanSquaredError"));
    assertEquals(data.count(), fm.transform(ask(data, "evaluate:residuals")).count());

    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> m.transform(ask(one(), "coefficientz")));
    assertTrue(unknown.getMessage().contains("unknown meshgrad query 'coefficientz'"), unknown.getMessage());
    // without a query column transform predicts as always
    assertTrue(List.of(m.transform(data).columns()).contains("prediction"));
  }

  @Test
  void estimatedSizeCountsTheWeightsNotTheSession() {
    Dataset<Row> data = binaryData();
    MeshMLPClassificationModel m = new MeshMLPClassifier().setMaxIter(2).setHiddenLayers(new int[] {16}).fit(data);
    long weightBytes = 8L * m.weights().size();
    long size = m.estimatedSize();
    assertTrue(size >= weightBytes, size + " < " + weightBytes);
    assertTrue(size < weightBytes + (1 << 20), "estimatedSize " + size + " for " + weightBytes + " bytes of weights");
    assertTrue(size < SizeEstimator.estimate(MlData.spark()), "smaller than the session");
  }

  @Test
  void aSummaryOutlivesTheConnectCachesOffloadButNotAUserSave() throws Exception {
    Dataset<Row> data = binaryData();
    MeshAdagradRegressionModel m = new MeshAdagradRegressor().setMaxIter(3).fit(data);
    String offloaded = tmp.resolve("offloaded").toString();
    ((StageWriter) m.write()).saveToLocal(offloaded);
    MeshAdagradRegressionModel back =
        ((StageReader<MeshAdagradRegressionModel>) MeshAdagradRegressionModel.read()).loadFromLocal(offloaded);
    assertTrue(back.hasSummary());
    assertArrayEquals(m.summary().lossHistory(), back.summary().lossHistory());
    assertEquals(m.summary().steps(), back.summary().steps());
    assertEquals(m.coefficients(), back.coefficients());
    // a user's save and load keep no summary, as before
    String saved = tmp.resolve("saved").toString();
    m.write().save(saved);
    assertFalse(MeshAdagradRegressionModel.load(saved).hasSummary());
    assertFalse(MeshAdagradRegressionModel.load(offloaded).hasSummary());
  }

  private static List<Double> toList(double[] values) {
    return java.util.Arrays.stream(values).boxed().toList();
  }
}
