package io.meshgrad.ml;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** validationIndicatorCol: held-out rows, the patience rule, and the best weights kept. */
class EarlyStoppingTest {
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
    return new MeshAdagradRegressor().setLabelCol("y").setLearningRate(0.5).setDtype("float64");
  }

  @Test
  void stopsAfterPatienceEvaluationsWithoutImprovementAndKeepsTheBest() {
    // no later evaluation can improve by validationTol = 1e9: only the first one counts
    MeshAdagradRegressionModel model = regressor().setMaxIter(50).setValidationIndicatorCol("isVal")
        .setEarlyStoppingPatience(2).setValidationTol(1e9).fit(data);
    MeshgradTrainingSummary s = model.summary();
    assertEquals(3, s.steps(), "one evaluation per full-batch step: 1 improving + 2 without");
    assertTrue(s.stoppedEarly());
    assertEquals(1, s.bestStep());
    assertEquals(3, s.validationLossHistory().length);
    // the model is the one after step 1, trained on the rows not marked for validation only
    MeshAdagradRegressionModel oneStep = regressor().setMaxIter(1).fit(data.filter(col("isVal").equalTo(false)));
    assertArrayEquals(oneStep.coefficients().toArray(), model.coefficients().toArray(), 0.0);
    assertEquals(oneStep.intercept(), model.intercept(), 0.0);
  }

  @Test
  void theModelHasTheBestValidationLoss() {
    MeshAdagradRegressionModel model = regressor().setMaxIter(40).setValidationIndicatorCol("isVal").fit(data);
    MeshgradTrainingSummary s = model.summary();
    double best = Arrays.stream(s.validationLossHistory()).min().orElseThrow();
    assertEquals(s.steps(), s.validationLossHistory().length);
    assertTrue(s.bestStep() >= 1 && s.bestStep() <= s.steps());
    assertEquals(best, s.validationLossHistory()[(int) s.bestStep() - 1]);
    // the validation objective (regParam 0) is half the mean squared error on the validation rows
    double halfMse = model.transform(data.filter(col("isVal")))
        .selectExpr("avg((prediction - y) * (prediction - y)) / 2").head().getDouble(0);
    assertEquals(best, halfMse, 1e-9 * Math.max(1, best));
    assertFalse(s.stoppedEarly() && s.steps() == 40);
  }
}
