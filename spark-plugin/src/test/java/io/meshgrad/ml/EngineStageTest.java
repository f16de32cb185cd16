package io.meshgrad.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meshgrad.SparkTestSession;
import io.meshgrad.train.NonFiniteGradientException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RuntimeConfig;
import org.junit.jupiter.api.Test;

/**
 * The stages' {@code stepsPerJob} param and its {@code spark.meshgrad.stepsPerJob} default: the
 * many-steps-per-job engine gives the job-per-step fit bit for bit, with non-finite steps skipped or
 * reported exactly as there.
 */
class EngineStageTest {
  /** 8 rows, y = x0 - x1; with {@code hugeRow >= 0} that row's label is multiplied by 1e300. */
  private static Dataset<Row> regression(int hugeRow) {
    List<Vector> x = new ArrayList<>();
    double[] y = new double[8];
    for (int i = 0; i < 8; i++) {
      x.add(Vectors.dense(1 + i % 3, (i % 2) - 0.5));
      y[i] = ((1 + i % 3) - ((i % 2) - 0.5)) * (i == hugeRow || hugeRow == -2 ? 1e300 : 1);
    }
    return MlData.frame(x, y);
  }

  private static MeshAdagradRegressor regressor(int stepsPerJob) {
    return new MeshAdagradRegressor().setLearningRate(0.1).setMaxIter(6).setBatchSize(4).setMesh("batch=2")
        .setClipNorm(1.0).setStepsPerJob(stepsPerJob);
  }

  @Test
  void skippedStepsAreTheSameOnTheEngine() {
    MeshAdagradRegressionModel jobs = regressor(1).setOnNonFiniteGradient("skip").fit(regression(5));
    MeshAdagradRegressionModel engine = regressor(4).setOnNonFiniteGradient("skip").fit(regression(5));
    assertEquals(3, jobs.summary().stepsSkipped());
    assertEquals(jobs.summary().stepsSkipped(), engine.summary().stepsSkipped());
    assertArrayEquals(jobs.coefficients().toArray(), engine.coefficients().toArray(), 0.0);
    assertEquals(jobs.intercept(), engine.intercept(), 0.0);
    assertArrayEquals(jobs.summary().lossHistory(), engine.summary().lossHistory(), 0.0);
  }

  @Test
  void propagatedNonFiniteStepsAreTheSameOnTheEngine() {
    // NaN reaches the weights (Keras' behaviour); the replicas hold NaNs whose payloads may differ
    for (String mesh : new String[] {"batch=2", "batch=2,model=2"}) {
      MeshAdagradRegressionModel jobs = regressor(1).setMesh(mesh).setOnNonFiniteGradient("propagate")
          .fit(regression(5));
      MeshAdagradRegressionModel engine = regressor(4).setMesh(mesh).setOnNonFiniteGradient("propagate")
          .fit(regression(5));
      assertEquals(0, engine.summary().stepsSkipped());
      assertArrayEquals(jobs.coefficients().toArray(), engine.coefficients().toArray(), 0.0, mesh);
      assertEquals(jobs.intercept(), engine.intercept(), 0.0, mesh);
      assertArrayEquals(jobs.summary().lossHistory(), engine.summary().lossHistory(), 0.0, mesh);
    }
  }

  @Test
  void skippedAndFailingStepsAreTheSameOnTheEngineWithShardedVariables() {
    String mesh = "batch=2,model=2";
    MeshAdagradRegressionModel jobs = regressor(1).setMesh(mesh).setOnNonFiniteGradient("skip").fit(regression(5));
    MeshAdagradRegressionModel engine = regressor(4).setMesh(mesh).setOnNonFiniteGradient("skip").fit(regression(5));
    assertEquals(3, jobs.summary().stepsSkipped());
    assertEquals(jobs.summary().stepsSkipped(), engine.summary().stepsSkipped());
    assertArrayEquals(jobs.coefficients().toArray(), engine.coefficients().toArray(), 0.0);
    assertEquals(jobs.intercept(), engine.intercept(), 0.0);
    assertArrayEquals(jobs.summary().lossHistory(), engine.summary().lossHistory(), 0.0);
    NonFiniteGradientException failed = assertThrows(NonFiniteGradientException.class,
        () -> regressor(1).setMesh(mesh).setMaxIter(5).fit(regression(-2)));
    NonFiniteGradientException failedOnEngine = assertThrows(NonFiniteGradientException.class,
        () -> regressor(3).setMesh(mesh).setMaxIter(5).fit(regression(-2)));
    assertEquals(failed.getMessage(), failedOnEngine.getMessage());
    assertEquals(failed.step(), failedOnEngine.step());
  }

  @Test
  void aNonFiniteStepFailsAsOnTheJobPerStepPath() {
    NonFiniteGradientException jobs = assertThrows(NonFiniteGradientException.class,
        () -> regressor(1).setMaxIter(5).fit(regression(-2)));
    NonFiniteGradientException engine = assertThrows(NonFiniteGradientException.class,
        () -> regressor(3).setMaxIter(5).fit(regression(-2)));
    assertEquals(jobs.getMessage(), engine.getMessage());
    assertEquals(jobs.step(), engine.step());
  }

  @Test
  void theSparkConfDefaultTurnsTheEngineOn() {
    MeshAdagradRegressionModel jobs = regressor(1).fit(regression(-1));
    RuntimeConfig conf = SparkTestSession.get().conf();
    conf.set("spark.meshgrad.stepsPerJob", "5");
    try {
      MeshAdagradRegressor unset = new MeshAdagradRegressor().setLearningRate(0.1).setMaxIter(6).setBatchSize(4)
          .setMesh("batch=2").setClipNorm(1.0);
      MeshAdagradRegressionModel engine = unset.fit(regression(-1));
      assertEquals(5, engine.getStepsPerJob());
      assertArrayEquals(jobs.coefficients().toArray(), engine.coefficients().toArray(), 0.0);
      assertArrayEquals(jobs.summary().lossHistory(), engine.summary().lossHistory(), 0.0);
    } finally {
      conf.unset("spark.meshgrad.stepsPerJob");
    }
  }
}
