package io.meshgrad.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.LogCapture;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A fit logs one INFO line (stage, loss, mesh, steps and the params taken from {@code
 * spark.meshgrad.*}) and its optimizer JSON only at DEBUG; a {@code spark.meshgrad.*} default
 * shows, with its source, in the estimator's and the model's explainParams and the model's params.
 */
class FitLogTest {
  private static final String KEY = "spark.meshgrad.learningRate";
  private static Dataset<Row> data;

  @BeforeAll
  static void load() {
    data = MlData.frame(List.of(org.apache.spark.ml.linalg.Vectors.dense(1, 0),
        org.apache.spark.ml.linalg.Vectors.dense(0, 1), org.apache.spark.ml.linalg.Vectors.dense(1, 1),
        org.apache.spark.ml.linalg.Vectors.dense(0, 0)), new double[] {1, 0, 1, 0});
  }

  @AfterAll
  static void cleanUp() {
    MlData.spark().conf().unset(KEY);
  }

  private static List<String> messages(List<LogEvent> events) {
    return events.stream().map(e -> e.getMessage().getFormattedMessage()).toList();
  }

  @Test
  void oneInfoLinePerFitAndTheOptimizerAtDebug() {
    MeshAdagradClassifier clf = new MeshAdagradClassifier().setMaxIter(3).setMesh("batch=2").setLearningRate(0.2);
    try (LogCapture quiet = LogCapture.start()) {
      clf.fit(data);
      List<String> info = messages(quiet.events(Level.INFO, "io.meshgrad"));
      assertEquals(1, info.size(), quiet.describe());
      assertTrue(info.get(0).matches(clf.uid() + ": fitting .* on mesh batch=2, 3 steps"), info.get(0));
      assertEquals(List.of(), quiet.events(Level.DEBUG, "io.meshgrad"), "the configured level is INFO");
    }
    try (LogCapture debug = LogCapture.start("io.meshgrad.ml.Fitting", Level.DEBUG)) {
      clf.fit(data);
      assertEquals(1, debug.events(Level.INFO, "io.meshgrad").size(), debug.describe());
      List<String> lines = messages(debug.events(Level.DEBUG, "io.meshgrad.ml.Fitting"));
      assertTrue(lines.stream().anyMatch(m -> m.contains("optimizer Adagrad{") && m.contains("\"learning_rate\":0.2")),
          String.join("\n", lines));
    }
  }

  @Test
  void confDefaultsShowTheirValueAndSource() {
    SparkSession spark = MlData.spark();
    spark.conf().set(KEY, "0.3");
    try {
      MeshAdagradClassifier clf = new MeshAdagradClassifier().setMaxIter(3).setMesh("batch=2");
      String explained = clf.explainParam(clf.learningRate());
      assertTrue(explained.endsWith("(default: 0.5, current: 0.3 from Spark conf spark.meshgrad.learningRate)"),
          explained);
      assertTrue(clf.explainParams().contains(explained));
      assertFalse(clf.explainParam(clf.maxIter()).contains("Spark conf"));
      MeshAdagradClassificationModel model;
      try (LogCapture log = LogCapture.start()) {
        model = clf.fit(data);
        String info = messages(log.events(Level.INFO, "io.meshgrad")).get(0);
        assertTrue(info.endsWith("; from Spark conf: learningRate=0.3 (spark.meshgrad.learningRate)"), info);
      }
      assertEquals(0.3, model.getLearningRate());
      assertTrue(model.isSet(model.learningRate()));
      assertTrue(model.explainParam(model.learningRate())
          .endsWith("current: 0.3 from Spark conf spark.meshgrad.learningRate at fit)"),
          model.explainParam(model.learningRate()));
      assertTrue(model.copy(new org.apache.spark.ml.param.ParamMap()).explainParam(model.learningRate())
          .contains("at fit"));
      // a value set on the estimator wins, and nothing is said about the conf
      clf.setLearningRate(0.2);
      assertFalse(clf.explainParam(clf.learningRate()).contains("Spark conf"));
      try (LogCapture log = LogCapture.start()) {
        MeshAdagradClassificationModel set = clf.fit(data);
        assertFalse(messages(log.events(Level.INFO, "io.meshgrad")).get(0).contains("Spark conf"));
        assertEquals(0.2, set.getLearningRate());
        assertFalse(set.explainParam(set.learningRate()).contains("Spark conf"));
      }
    } finally {
      spark.conf().unset(KEY);
    }
  }
}
