package io.meshgrad.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.LogCapture;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every fit's summary says which limit or rule ended it ({@code stopReason}), at which step, how
 * many steps it planned and how many epochs it made (fractional); a fit that ends before maxIter
 * steps logs one INFO line saying so.
 */
class StopReasonTest {
  private static Dataset<Row> data;

  @BeforeAll
  static void load() {
    data = new VectorAssembler().setInputCols(new String[] {"x1", "x2", "x3"}).setOutputCol("features")
        .transform(MlData.synthetic(200, 5)).cache();
  }

  @AfterAll
  static void release() {
    data.unpersist();
  }

  private static MeshAdagradRegressor regressor() {
    return new MeshAdagradRegressor().setLabelCol("y").setLearningRate(0.5).setDtype("float64").setMesh("batch=2");
  }

  @Test
  void tolEndsTheFitAndSaysAtWhichStep() {
    MeshAdagradRegressor tol = regressor().setMaxIter(400).setTol(0.05);
    try (LogCapture log = LogCapture.start()) {
      MeshgradTrainingSummary s = tol.fit(data).summary();
      assertEquals("tol", s.stopReason());
      assertTrue(s.steps() < 400, s.toString());
      assertEquals(s.steps(), s.stoppedAtStep());
      assertEquals(400, s.plannedSteps());
      List<String> info = log.events(Level.INFO, "io.meshgrad.ml").stream()
          .map(e -> e.getMessage().getFormattedMessage()).toList();
      assertTrue(info.stream().anyMatch(m -> m.contains("stopped at step " + s.steps() + " of 400 planned (tol")),
          log.describe());
    }
    MeshgradTrainingSummary all = regressor().setMaxIter(40).setTol(0).fit(data).summary();
    assertEquals("steps", all.stopReason());
    assertEquals(40, all.stoppedAtStep());
    assertEquals(40.0, all.epochsCompleted(), "full batch: one epoch per step");
  }

  @Test
  void theEpochLimitAndTheStepLimitSayWhichEndedTheFitAndTheEpochsMade() {
    // 200 rows in batches of 64: 4 steps per epoch
    MeshgradTrainingSummary epochs = regressor().setBatchSize(64).setMaxEpochs(2).setMaxIter(1000).setTol(0)
        .fit(data).summary();
    assertEquals("epochs", epochs.stopReason());
    assertEquals(8, epochs.plannedSteps());
    assertEquals(8, epochs.steps());
    assertEquals(2.0, epochs.epochsCompleted());
    MeshgradTrainingSummary steps = regressor().setBatchSize(64).setMaxEpochs(2).setMaxIter(6).setTol(0)
        .fit(data).summary();
    assertEquals("steps", steps.stopReason());
    assertEquals(6, steps.plannedSteps());
    assertEquals(1.5, steps.epochsCompleted(), "6 of 4-step epochs");
    assertEquals(2, steps.epochs(), "epochs begun");
  }

  @Test
  void earlyStoppingSaysSo() {
    MeshgradTrainingSummary s = regressor().setMaxIter(50).setValidationIndicatorCol("isVal")
        .setEarlyStoppingPatience(2).setValidationTol(1e9).fit(data).summary();
    assertEquals("earlyStopping", s.stopReason());
    assertEquals(3, s.stoppedAtStep());
    assertEquals(50, s.plannedSteps());
  }
}
