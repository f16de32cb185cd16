package io.meshgrad.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** MeshMLPRegressor: a nonlinear target learnt, mesh equivalence, persistence, bad input. */
class MlpRegressorTest {
  private static Path dir;
  private static Dataset<Row> data;

  @BeforeAll
  static void setUp() throws IOException {
    dir = Files.createTempDirectory("mlp-regressor");
    Random rnd = new Random(9);
    int n = 600;
    List<Vector> features = new ArrayList<>();
    double[] labels = new double[n];
    for (int i = 0; i < n; i++) {
      double[] x = {rnd.nextGaussian(), rnd.nextGaussian(), rnd.nextGaussian(), rnd.nextGaussian()};
      labels[i] = Math.sin(2 * x[0]) + x[1] * x[2] + 0.05 * rnd.nextGaussian();
      features.add(Vectors.dense(x));
    }
    data = MlData.frame(features, labels).cache();
  }

  @AfterAll
  static void tearDown() throws IOException {
    data.unpersist();
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static MeshMLPRegressor regressor() {
    return new MeshMLPRegressor().setHiddenLayers(new int[] {32}).setActivation("tanh").setLearningRate(0.1)
        .setBatchSize(64).setSeed(5);
  }

  @Test
  void learnsANonlinearTargetBetterThanALinearModel() {
    MeshMLPRegressionModel model = regressor().setMaxIter(400).setMesh("batch=2").fit(data);
    assertArrayEquals(new int[] {4, 32, 1}, model.getLayers());
    RegressionEvaluator r2 = new RegressionEvaluator().setMetricName("r2");
    double mlp = r2.evaluate(model.transform(data));
    double linear = r2.evaluate(new MeshAdagradRegressor().setLearningRate(0.1).setMaxIter(400).setMesh("batch=2")
        .fit(data).transform(data));
    assertTrue(mlp > 0.8 && mlp > linear + 0.3, "r2 MLP " + mlp + ", linear " + linear);
    double[] history = model.summary().lossHistory();
    assertTrue(history[history.length - 1] < history[0] / 4, "loss " + history[0] + " -> " + history[history.length - 1]);
  }

  @Test
  void shardedEqualsDriverHeldAndPersistenceKeepsPredictions() throws IOException {
    MeshMLPRegressor r = regressor().setMaxIter(10).setDtype("float64").setLayers(new int[] {4, 6, 1});
    MeshMLPRegressionModel driver = r.copy(new org.apache.spark.ml.param.ParamMap()).setMesh("batch=2").fit(data);
    MeshMLPRegressionModel sharded = r.copy(new org.apache.spark.ml.param.ParamMap()).setMesh("batch=2,model=2")
        .fit(data);
    assertArrayEquals(driver.weights().toArray(), sharded.weights().toArray(), 0.0);

    String path = dir.resolve("model").toString();
    driver.write().overwrite().save(path);
    MeshMLPRegressionModel loaded = MeshMLPRegressionModel.load(path);
    assertFalse(loaded.hasSummary());
    assertEquals(driver.transform(data).select("prediction").collectAsList(),
        loaded.transform(data).select("prediction").collectAsList());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MeshMLPClassificationModel.load(path));
    assertTrue(e.getMessage().contains("MeshMLPRegressionModel"), e.getMessage());

    r.write().overwrite().save(dir.resolve("estimator").toString());
    assertArrayEquals(new int[] {4, 6, 1}, MeshMLPRegressor.load(dir.resolve("estimator").toString()).getLayers());
  }

  @Test
  void badInputAndRegistration() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> regressor().setLayers(new int[] {4, 8, 3}).setMesh("batch=2").fit(data));
    assertTrue(e.getMessage().contains("must be 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> regressor().setFitIntercept(false).setMesh("batch=2").fit(data));
    assertTrue(e.getMessage().contains("fitIntercept=false"), e.getMessage());
    assertTrue(ServiceLoader.load(Estimator.class).stream().anyMatch(p -> p.type() == MeshMLPRegressor.class));
    assertTrue(ServiceLoader.load(Transformer.class).stream().anyMatch(p -> p.type() == MeshMLPRegressionModel.class));
    assertTrue(new MeshMLPRegressionModel().explainParams().contains("hiddenLayers"));
  }
}
