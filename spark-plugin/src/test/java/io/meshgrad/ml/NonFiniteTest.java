package io.meshgrad.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.train.NonFiniteGradientException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * onNonFiniteGradient: least squares on labels of 1e300 (the squared loss overflows, and float32
 * gradients round to infinity), and a learning rate so large that a finite gradient overflows the
 * update.
 */
class NonFiniteTest {

  /** 8 rows, y = x0 - x1; row {@code hugeRow} (or none if -1) gets label 1e300 instead. */
  private static Dataset<Row> regression(int hugeRow, double scale) {
    List<Vector> x = new ArrayList<>();
    double[] y = new double[8];
    for (int i = 0; i < 8; i++) {
      x.add(Vectors.dense(1 + i % 3, (i % 2) - 0.5));
      y[i] = (1 + i % 3) - ((i % 2) - 0.5);
      if (hugeRow == i || hugeRow == -2) {
        y[i] *= scale;
      }
    }
    return MlData.frame(x, y);
  }

  private static boolean allFinite(double[] values) {
    return Arrays.stream(values).allMatch(Double::isFinite);
  }

  @Test
  void errorNamesTheStepAndTheVariableAndKeepsTheWeightsBefore() {
    MeshAdagradRegressor reg = new MeshAdagradRegressor().setLearningRate(0.1).setMaxIter(5);
    NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class,
        () -> reg.fit(regression(-2, 1e300)));
    assertEquals(1, e.step());
    assertEquals("coefficients", e.variable());
    assertTrue(e.getMessage().contains("training step 1 is not finite")
        && e.getMessage().contains("the loss is Infinity")
        && e.getMessage().contains("gradient of variable 'coefficients' is -Infinity"), e.getMessage());
    assertArrayEquals(new float[] {0f, 0f}, e.lastGood().coefficients().floats());
    assertEquals(0, e.lastGood().lossHistory().length);
  }

  @Test
  void errorOnAShardedMeshChecksTheLossAndTheUpdatedWeights() {
    MeshAdagradRegressor reg = new MeshAdagradRegressor().setLearningRate(0.1).setMaxIter(5)
        .setMesh("batch=2,model=2");
    NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class,
        () -> reg.fit(regression(-2, 1e300)));
    assertEquals(1, e.step());
    assertEquals("coefficients", e.variable());
    assertTrue(e.getMessage().contains("the loss is Infinity")
        && e.getMessage().contains("updated value of variable 'coefficients' is NaN"), e.getMessage());
    assertArrayEquals(new float[] {0f, 0f}, e.lastGood().coefficients().floats());
  }

  @Test
  void aFiniteGradientThatOverflowsTheUpdateIsCaughtAfterTheStep() {
    // float32: 3e38 * gradient (~2) overflows to infinity although the gradient is finite
    MeshAdagradRegressor reg = new MeshAdagradRegressor().setLearningRate(3e38).setMaxIter(4);
    NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class,
        () -> reg.fit(regression(-1, 1)));
    assertEquals(1, e.step());
    assertTrue(e.getMessage().contains("updated value of variable 'coefficients' is")
        && e.getMessage().contains("Infinity at element"), e.getMessage());
    MeshAdagradRegressionModel skipped = reg.copy(org.apache.spark.ml.param.ParamMap.empty())
        .setOnNonFiniteGradient("skip").fit(regression(-1, 1));
    assertEquals(4, skipped.summary().stepsSkipped());
    assertArrayEquals(new double[] {0, 0}, skipped.coefficients().toArray());
  }

  @Test
  void skipLeavesOutOnlyTheBatchesWithTheHugeLabel() {
    // batches of 4 rows: 2 steps per epoch, 3 epochs; each epoch exactly one batch holds row 5
    MeshAdagradRegressor reg = new MeshAdagradRegressor().setLearningRate(0.1).setMaxIter(6).setBatchSize(4)
        .setOnNonFiniteGradient("skip");
    MeshAdagradRegressionModel model = reg.fit(regression(5, 1e300));
    MeshgradTrainingSummary s = model.summary();
    assertEquals(6, s.steps());
    assertEquals(3, s.stepsSkipped());
    assertTrue(allFinite(model.coefficients().toArray()) && Double.isFinite(model.intercept()));
    assertTrue(model.coefficients().toArray()[0] != 0, "the finite steps were applied");
    long infinite = Arrays.stream(s.lossHistory()).filter(v -> !Double.isFinite(v)).count();
    assertEquals(3, infinite, Arrays.toString(s.lossHistory()));

    // sharded: the step is applied on the executors, then weights and accumulators are put back
    MeshAdagradRegressionModel sharded = reg.copy(org.apache.spark.ml.param.ParamMap.empty())
        .setMesh("batch=2,model=2").fit(regression(5, 1e300));
    assertEquals(3, sharded.summary().stepsSkipped());
    assertArrayEquals(model.coefficients().toArray(), sharded.coefficients().toArray(), 1e-6);
    assertEquals(model.intercept(), sharded.intercept(), 1e-6);

    // propagate: NaN reaches the model, as in Keras
    MeshAdagradRegressionModel propagated = reg.copy(org.apache.spark.ml.param.ParamMap.empty())
        .setOnNonFiniteGradient("propagate").fit(regression(5, 1e300));
    assertEquals(0, propagated.summary().stepsSkipped());
    assertTrue(!allFinite(propagated.coefficients().toArray()), propagated.coefficients().toString());
  }

  @Test
  void errorInALaterStepKeepsTheWeightsOfTheStepBefore() {
    MeshAdagradRegressor reg = new MeshAdagradRegressor().setLearningRate(0.1).setMaxIter(6).setBatchSize(2);
    NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class,
        () -> reg.fit(regression(5, 1e300)));
    assertTrue(e.step() >= 1 && e.step() <= 4, "row 5 is in one of the 4 batches of epoch 1, got " + e.step());
    assertEquals(e.step() - 1, e.lastGood().lossHistory().length);
    if (e.step() > 1) {
      MeshAdagradRegressionModel before = reg.copy(org.apache.spark.ml.param.ParamMap.empty())
          .setMaxIter((int) e.step() - 1).fit(regression(5, 1e300));
      double[] expected = before.coefficients().toArray();
      float[] actual = e.lastGood().coefficients().floats();
      for (int j = 0; j < expected.length; j++) {
        assertEquals(expected[j], actual[j], 0.0);
      }
    }
  }

  @Test
  void skipOnEveryStepLeavesTheInitialWeights() {
    MeshAdagradRegressionModel model = new MeshAdagradRegressor().setLearningRate(0.1).setMaxIter(3)
        .setOnNonFiniteGradient("skip").setMesh("batch=2,model=2").fit(regression(-2, 1e300));
    assertEquals(3, model.summary().stepsSkipped());
    assertArrayEquals(new double[] {0, 0}, model.coefficients().toArray());
    assertEquals(0.0, model.intercept());
  }
}
