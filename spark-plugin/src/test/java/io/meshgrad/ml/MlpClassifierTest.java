package io.meshgrad.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.SparkTestSession;
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
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** MeshMLPClassifier as a Spark ML stage: mesh equivalence, persistence, pipelines, params and bad input. */
class MlpClassifierTest {
  private static Path dir;
  private static Dataset<Row> data;

  @BeforeAll
  static void setUp() throws IOException {
    dir = Files.createTempDirectory("mlp-stage");
    data = threeClasses(400, 5).cache();
  }

  @AfterAll
  static void tearDown() throws IOException {
    data.unpersist();
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Rows of 6 features whose class (0, 1, 2) is a nonlinear function of them. */
  static Dataset<Row> threeClasses(int n, long seed) {
    Random rnd = new Random(seed);
    List<Vector> features = new ArrayList<>();
    double[] labels = new double[n];
    for (int i = 0; i < n; i++) {
      double[] x = new double[6];
      for (int j = 0; j < 6; j++) {
        x[j] = rnd.nextGaussian();
      }
      double r = x[0] * x[0] + x[1] * x[1];
      labels[i] = r < 0.8 ? 0 : x[2] > 0 ? 1 : 2;
      features.add(Vectors.dense(x));
    }
    return MlData.frame(features, labels);
  }

  private static MeshMLPClassifier small() {
    return new MeshMLPClassifier().setLayers(new int[] {6, 8, 3}).setLearningRate(0.1).setMaxIter(12)
        .setBatchSize(64).setSeed(3);
  }

  @Test
  void driverHeldAndShardedOn2x2MeshGiveTheSameWeights() {
    for (String dtype : new String[] {"float64", "float32"}) {
      for (String activation : new String[] {"relu", "tanh"}) {
        MeshMLPClassificationModel driver = small().setDtype(dtype).setActivation(activation).setMesh("batch=2")
            .fit(data);
        MeshMLPClassificationModel sharded = small().setDtype(dtype).setActivation(activation)
            .setMesh("batch=2,model=2").fit(data);
        assertArrayEquals(driver.weights().toArray(), sharded.weights().toArray(), 0.0, dtype + " " + activation);
        assertArrayEquals(driver.summary().lossHistory(), sharded.summary().lossHistory(), 0.0);
        double[] history = driver.summary().lossHistory();
        assertEquals(12, history.length);
        assertTrue(history[11] < history[0], "the loss goes down: " + java.util.Arrays.toString(history));
      }
    }
    // three layers: the defaults alternate column- and row-parallel; a user layout replaces one
    MeshMLPClassifier deep = small().setLayers(new int[] {6, 8, 4, 3}).setDtype("float64")
        .setLayouts("{\"dense_2/kernel\": [\"model\", \"unsharded\"], \"dense/bias\": [\"unsharded\"]}");
    assertArrayEquals(deep.copy(ParamMap.empty()).setMesh("batch=2").fit(data).weights().toArray(),
        deep.copy(ParamMap.empty()).setMesh("batch=2,model=2").fit(data).weights().toArray(), 0.0);
  }

  @Test
  void aWideSparseFirstLayerShardedWithItsRowsPulledEqualsTheDriverHeldFit() {
    // 2^16 hashed features: the first kernel is large enough for the row-sparse pull
    int d = 1 << 16;
    Random rnd = new Random(21);
    List<Vector> features = new ArrayList<>();
    double[] labels = new double[300];
    for (int i = 0; i < labels.length; i++) {
      java.util.TreeSet<Integer> cols = new java.util.TreeSet<>();
      while (cols.size() < 6) {
        cols.add(rnd.nextBoolean() ? rnd.nextInt(32) : rnd.nextInt(d));
      }
      int[] idx = cols.stream().mapToInt(Integer::intValue).toArray();
      double[] vals = new double[idx.length];
      for (int k = 0; k < vals.length; k++) {
        vals[k] = rnd.nextGaussian();
      }
      labels[i] = idx[0] % 2;
      features.add(Vectors.sparse(d, idx, vals));
    }
    Dataset<Row> wide = MlData.frame(features, labels);
    // the first kernel row-sharded (by feature), so that a step pulls only the rows its batch touches
    MeshMLPClassifier mlp = new MeshMLPClassifier().setLayers(new int[] {d, 4, 2}).setLearningRate(0.1)
        .setMaxIter(4).setBatchSize(50).setSeed(2).setDtype("float64")
        .setLayouts("{\"dense/kernel\": [\"model\", \"unsharded\"], \"dense/bias\": [\"unsharded\"]}");
    MeshMLPClassificationModel driver = mlp.copy(ParamMap.empty()).setMesh("batch=2").fit(wide);
    MeshMLPClassificationModel sharded = mlp.copy(ParamMap.empty()).setMesh("batch=2,model=2").fit(wide);
    assertArrayEquals(driver.weights().toArray(), sharded.weights().toArray(), 0.0);
    assertArrayEquals(driver.summary().lossHistory(), sharded.summary().lossHistory(), 0.0);
  }

  @Test
  void layersComeFromTheDataWhenNotSet() {
    MeshMLPClassificationModel model = new MeshMLPClassifier().setHiddenLayers(new int[] {5}).setMaxIter(2)
        .setMesh("batch=2").fit(data);
    assertArrayEquals(new int[] {6, 5, 3}, model.getLayers());
    assertEquals(6 * 5 + 5 + 5 * 3 + 3, model.weights().size());
    assertEquals(3, model.numClasses());
    assertEquals(6, model.numFeatures());
    assertEquals("relu", model.getActivation());
  }

  @Test
  void initialWeightsAreMllibsLayoutAndZeroStepsKeepThem() {
    double[] w = new double[6 * 8 + 8 + 8 * 3 + 3];
    for (int i = 0; i < w.length; i++) {
      w[i] = Math.sin(i);
    }
    MeshMLPClassificationModel model = small().setInitialWeights(Vectors.dense(w)).setMaxIter(0).setDtype("float64")
        .setMesh("batch=2").fit(data);
    assertArrayEquals(w, model.weights().toArray(), 0.0);
    // logits by hand: relu(x W1 + b1) W2 + b2, W row-major [in, out]
    double[] x = {0.5, -1, 2, 0, 1, -0.5};
    double[] h = new double[8];
    for (int j = 0; j < 8; j++) {
      double z = w[48 + j];
      for (int i = 0; i < 6; i++) {
        z += x[i] * w[i * 8 + j];
      }
      h[j] = Math.max(0, z);
    }
    double[] logits = new double[3];
    for (int k = 0; k < 3; k++) {
      logits[k] = w[56 + 24 + k];
      for (int j = 0; j < 8; j++) {
        logits[k] += h[j] * w[56 + j * 3 + k];
      }
    }
    assertArrayEquals(logits, model.predictRaw(Vectors.dense(x)).toArray(), 1e-12);
  }

  @Test
  void persistenceRoundTripGivesIdenticalPredictions() throws IOException {
    MeshMLPClassificationModel model = small().setActivation("sigmoid").setMesh("batch=2").fit(data);
    String path = dir.resolve("model").toString();
    model.write().overwrite().save(path);
    MeshMLPClassificationModel loaded = MeshMLPClassificationModel.load(path);
    assertEquals(model.uid(), loaded.uid());
    assertFalse(loaded.hasSummary());
    assertArrayEquals(model.getLayers(), loaded.getLayers());
    assertEquals("sigmoid", loaded.getActivation());
    List<Row> before = model.transform(data).select("rawPrediction", "probability", "prediction").collectAsList();
    List<Row> after = loaded.transform(data).select("rawPrediction", "probability", "prediction").collectAsList();
    assertEquals(before, after);

    MeshMLPClassifier estimator = small().setActivation("tanh").setLayouts("{\"dense/bias\": [\"unsharded\"]}");
    estimator.write().overwrite().save(dir.resolve("estimator").toString());
    MeshMLPClassifier again = MeshMLPClassifier.load(dir.resolve("estimator").toString());
    assertEquals(estimator.uid(), again.uid());
    assertArrayEquals(estimator.getLayers(), again.getLayers());
    assertEquals("tanh", again.getActivation());
    assertEquals(estimator.getLayouts(), again.getLayouts());
    for (Param<?> p : again.params()) {
      assertEquals(again.uid(), p.parent());
    }
    IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
        () -> MeshAdagradClassificationModel.load(path));
    assertTrue(wrong.getMessage().contains("MeshMLPClassificationModel"), wrong.getMessage());
  }

  @Test
  void worksInPipelineAndCrossValidatorWithThresholds() throws IOException {
    MeshMLPClassifier mlp = small().setMesh("batch=2");
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {mlp});
    PipelineModel fitted = pipeline.fit(data);
    String path = dir.resolve("pipeline").toString();
    fitted.write().overwrite().save(path);
    PipelineModel loaded = PipelineModel.load(path);
    assertEquals(fitted.transform(data).select("prediction").collectAsList(),
        loaded.transform(data).select("prediction").collectAsList());

    CrossValidator cv = new CrossValidator().setEstimator(mlp)
        .setEstimatorParamMaps(new ParamGridBuilder().addGrid(mlp.learningRate(), new double[] {0.05, 0.2}).build())
        .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy")).setNumFolds(2).setSeed(1);
    CrossValidatorModel best = cv.fit(data);
    assertEquals(2, best.avgMetrics().length);

    MeshMLPClassificationModel model = (MeshMLPClassificationModel) fitted.stages()[0];
    Row row = model.copy(ParamMap.empty()).setThresholds(new double[] {1e-9, 1, 1}).transform(data)
        .select("probability", "prediction").head();
    assertEquals(0.0, row.getDouble(1), "a tiny threshold for class 0 wins");
    Vector probability = row.getAs(0);
    assertEquals(1.0, probability.toArray()[0] + probability.toArray()[1] + probability.toArray()[2], 1e-12);
  }

  @Test
  void paramsExplainThemselvesAndTakeSparkConfDefaults() {
    MeshMLPClassifier mlp = new MeshMLPClassifier();
    String explained = mlp.explainParams();
    for (String name : new String[] {"layers", "hiddenLayers", "activation", "initialWeights", "blockSize",
        "layouts", "learningRate", "batchSize", "mesh", "regParam"}) {
      assertTrue(explained.contains(name + ":"), name);
    }
    assertEquals(128, mlp.getBlockSize());
    assertArrayEquals(new int[] {100}, mlp.getHiddenLayers());
    SparkTestSession.get().conf().set("spark.meshgrad.activation", "tanh");
    try {
      MeshMLPClassificationModel model = small().setMaxIter(1).setMesh("batch=2").fit(data);
      assertEquals("tanh", model.getActivation());
      assertEquals("relu", small().setActivation("relu").setMaxIter(1).setMesh("batch=2").fit(data)
          .getActivation(), "a value set on the estimator wins");
    } finally {
      SparkTestSession.get().conf().unset("spark.meshgrad.activation");
    }
    List<Class<?>> estimators = ServiceLoader.load(Estimator.class).stream()
        .<Class<?>>map(ServiceLoader.Provider::type).toList();
    assertTrue(estimators.contains(MeshMLPClassifier.class), estimators.toString());
    List<Class<?>> transformers = ServiceLoader.load(Transformer.class).stream()
        .<Class<?>>map(ServiceLoader.Provider::type).toList();
    assertTrue(transformers.contains(MeshMLPClassificationModel.class), transformers.toString());
    MeshMLPClassificationModel empty = new MeshMLPClassificationModel();
    assertTrue(empty.explainParams().contains("layers"));
  }

  @Test
  void badInputFailsNamingWhatIsWrong() {
    assertMessage(() -> new MeshMLPClassifier().setActivation("gelu"), "activation", "relu, sigmoid, tanh");
    assertMessage(() -> new MeshMLPClassifier().setLayers(new int[] {6}), "layers", "[6]");
    assertMessage(() -> new MeshMLPClassifier().setBlockSize(0), "blockSize", ">= 1");
    assertMessage(() -> new MeshMLPClassifier().setLayouts("[1]"), "layouts", "JSON object");
    assertMessage(() -> small().setLayers(new int[] {5, 8, 3}).setMesh("batch=2").fit(data), "layers [5, 8, 3]",
        "size 6");
    assertMessage(() -> small().setLayers(new int[] {6, 8, 2}).setMesh("batch=2").fit(data), "label", "0, 1");
    assertMessage(() -> small().setLayouts("{\"dense/kernal\": [\"model\", \"unsharded\"]}").setMesh("batch=2")
        .fit(data), "dense/kernal", "dense/kernel");
    assertMessage(() -> small().setLayouts("{\"dense_1/kernel\": [\"tensor\", \"unsharded\"]}")
        .setMesh("batch=2,model=2").fit(data), "dense_1/kernel", "tensor");
    assertMessage(() -> small().setInitialWeights(Vectors.dense(1, 2, 3)).setMesh("batch=2").fit(data),
        "initialWeights", "3");
    assertMessage(() -> small().setFitIntercept(false).setMesh("batch=2").fit(data), "fitIntercept=false");
  }

  private static void assertMessage(org.junit.jupiter.api.function.Executable call, String... parts) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "'" + part + "' in: " + e.getMessage());
    }
  }
}
