package io.meshgrad.badinput;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshgrad.SparkTestSession;
import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.ml.MeshAdagradClassificationModel;
import io.meshgrad.ml.MeshAdagradClassifier;
import io.meshgrad.ml.MeshAdagradRegressionModel;
import io.meshgrad.ml.MeshAdagradRegressor;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.GradientAndVariable;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.MeshRuntime;
import io.meshgrad.schedule.Schedules;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;
import io.meshgrad.train.NonFiniteGradientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad inputs, one row each: the exception type, words its message must contain (the column,
 * parameter, row or file at fault), and that no cached RDD, optimizer step or output was left
 * behind.
 */
class BadInputTest {
  @TempDir
  static Path tmp;

  private record Case(String name, Class<? extends Throwable> type, List<String> words, Executable action) {}

  private static final StructType SCHEMA = new StructType()
      .add("features", SQLDataTypes.VectorType(), true)
      .add("label", DataTypes.DoubleType, true)
      .add("w", DataTypes.DoubleType, true);

  private static Dataset<Row> rows(Object[]... rows) {
    List<Row> out = new ArrayList<>();
    for (Object[] r : rows) {
      out.add(RowFactory.create(r));
    }
    return SparkTestSession.get().createDataFrame(out, SCHEMA);
  }

  private static Object[] row(double label, double... x) {
    return new Object[] {Vectors.dense(x), label, 1.0};
  }

  private static Dataset<Row> good() {
    List<Object[]> r = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      r.add(row(i % 2, i % 3, (i * 7) % 5 - 2.0));
    }
    return rows(r.toArray(new Object[0][]));
  }

  private static MeshAdagradClassifier clf() {
    return new MeshAdagradClassifier().setMesh("batch=2").setMaxIter(3).setLearningRate(0.1);
  }

  /** Builds the estimator and fits inside the action: some setters already validate. */
  private static Executable fit(java.util.function.Supplier<MeshAdagradClassifier> c, Dataset<Row> df) {
    return () -> c.get().fit(df);
  }

  private static Case c(String name, Class<? extends Throwable> type, Executable action, String... words) {
    return new Case(name, type, List.of(words), action);
  }

  @TestFactory
  Stream<DynamicTest> everyBadInputIsRejectedClearlyAndLeavesNothingBehind() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path saved = tmp.resolve("clf-model");
    clf().fit(good()).write().overwrite().save(saved.toString());
    Path corrupted = tmp.resolve("corrupted-model");
    clf().fit(good()).write().overwrite().save(corrupted.toString());
    try (Stream<Path> data = Files.walk(corrupted.resolve("data"))) {
      data.filter(p -> p.toString().endsWith(".parquet")).forEach(p -> p.toFile().delete());
    }
    ObjectMapper json = new ObjectMapper();
    Variable v = new Variable("v", Tensor.of(new float[] {1f, 2f}, 2));
    Adagrad built = new Adagrad();
    built.build(List.of(v));
    Mesh mesh = Mesh.parse("batch=2,model=2");

    List<Case> cases = List.of(
        // rows
        c("NaN feature", IllegalArgumentException.class, fit(() -> clf(), rows(row(0, 1, Double.NaN), row(1, 0, 1))),
            "features", "NaN"),
        c("infinite feature", IllegalArgumentException.class,
            fit(() -> clf(), rows(row(0, 1, Double.POSITIVE_INFINITY), row(1, 0, 1))), "features", "Infinity"),
        c("label 2 for a binomial model", IllegalArgumentException.class,
            fit(() -> clf().setFamily("binomial"), rows(row(2, 1, 0), row(1, 0, 1))), "label", "2"),
        c("label -1 for logistic", IllegalArgumentException.class, fit(() -> clf(), rows(row(-1, 1, 0), row(1, 0, 1))),
            "label", "-1"),
        c("non-integer label for multinomial", IllegalArgumentException.class,
            fit(() -> clf().setFamily("multinomial"), rows(row(1.5, 1, 0), row(0, 0, 1), row(2, 1, 1))), "label", "1.5"),
        c("negative weight", IllegalArgumentException.class,
            fit(() -> clf().setWeightCol("w"), rows(new Object[] {Vectors.dense(1, 0), 0.0, -1.0}, row(1, 0, 1))),
            "w", "-1"),
        c("null label", IllegalArgumentException.class,
            fit(() -> clf(), rows(new Object[] {Vectors.dense(1, 0), null, 1.0}, row(1, 0, 1))), "label", "null"),
        c("null features", IllegalArgumentException.class,
            fit(() -> clf(), rows(new Object[] {null, 0.0, 1.0}, row(1, 0, 1))), "features", "null"),
        c("vectors of different sizes", IllegalArgumentException.class,
            fit(() -> clf(), rows(row(0, 1, 0), row(1, 0, 1, 5))), "features", "size"),
        c("empty dataset", IllegalArgumentException.class, fit(() -> clf(), rows()), "empty"),
        c("mesh larger than the data", IllegalArgumentException.class,
            fit(() -> clf().setMesh("batch=64"), good()), "64"),
        c("missing features column", IllegalArgumentException.class,
            fit(() -> clf().setFeaturesCol("nope"), good()), "nope"),
        c("features column of the wrong type", IllegalArgumentException.class,
            fit(() -> clf().setFeaturesCol("w"), good()), "w"),
        c("missing weight column", IllegalArgumentException.class, fit(() -> clf().setWeightCol("weight"), good()),
            "weight"),
        c("string label column", IllegalArgumentException.class,
            () -> clf().fit(good().withColumn("label", org.apache.spark.sql.functions.col("label").cast("string"))),
            "label"),
        // params
        c("mesh batch=0", IllegalArgumentException.class, () -> clf().setMesh("batch=0"), "mesh"),
        c("mesh with a dimension twice", IllegalArgumentException.class, () -> clf().setMesh("batch=2,batch=2"),
            "batch"),
        c("negative learning rate", IllegalArgumentException.class, () -> clf().setLearningRate(-1), "learningRate"),
        c("dtype float16", IllegalArgumentException.class, () -> clf().setDtype("float16"), "dtype", "float32"),
        c("unknown onNonFiniteGradient", IllegalArgumentException.class,
            () -> clf().setOnNonFiniteGradient("explode"), "onNonFiniteGradient", "skip"),
        c("optimizerConfig with an unknown key", IllegalArgumentException.class,
            fit(() -> clf().setOptimizerConfig("{\"momentum\": 0.9}"), good()), "momentum"),
        c("optimizerConfig with the deprecated lr", IllegalArgumentException.class,
            fit(() -> clf().setOptimizerConfig("{\"lr\": 0.1}"), good()), "lr", "deprecated"),
        c("optimizerConfig with decay", IllegalArgumentException.class,
            fit(() -> clf().setOptimizerConfig("{\"decay\": 0.1}"), good()), "decay"),
        c("schedule with decay_steps 0", IllegalArgumentException.class,
            () -> Schedules.deserialize(json.readTree("{\"class_name\": \"ExponentialDecay\", \"config\": "
                + "{\"initial_learning_rate\": 0.1, \"decay_steps\": 0, \"decay_rate\": 0.5}}")), "decay_steps"),
        c("unknown schedule class", IllegalArgumentException.class,
            () -> Schedules.deserialize(json.readTree("{\"class_name\": \"Warmup\", \"config\": {}}")), "Warmup"),
        c("two clipping params", IllegalArgumentException.class,
            fit(() -> clf().setClipNorm(1).setClipValue(0.5), good()), "clip"),
        c("resume without checkpointDir", IllegalArgumentException.class, fit(() -> clf().setResume(true), good()),
            "checkpointDir"),
        c("ema_momentum 2 in a Keras config with use_ema", IllegalArgumentException.class,
            () -> Adagrad.fromConfig(json.readTree("{\"use_ema\": true, \"ema_momentum\": 2}")), "ema_momentum",
            "[0, 1]"),
        // layouts and optimizer calls
        c("layout with an unknown dimension", IllegalArgumentException.class,
            () -> Layout.of(mesh, "rows"), "rows", "model"),
        c("layout with a dimension twice", IllegalArgumentException.class,
            () -> Layout.of(mesh, "model", "model"), "model"),
        c("layout of the wrong rank", IllegalArgumentException.class, () -> {
          try (MeshRuntime rt = MeshRuntime.create(spark, mesh)) {
            rt.variable("w", Tensor.zeros(DType.FLOAT32, 4, 2), Layout.of(mesh, "model"));
          }
        }, "rank"),
        c("gradient of the wrong shape", IllegalArgumentException.class,
            () -> built.applyGradients(List.of(new GradientAndVariable(Tensor.of(new float[] {1f}, 1), v))), "v",
            "float32[2]"),
        c("sparse index out of range", IllegalArgumentException.class,
            () -> new IndexedSlices(new int[] {5}, Tensor.of(new float[] {1f}, 1), 2), "5", "[0, 2)"),
        // non-finite gradients
        // without standardization (on by default for linear stages): these rows' constant features would
        // be zeroed by it, so only the intercept's gradient would overflow
        c("non-finite gradient under error", NonFiniteGradientException.class,
            () -> new MeshAdagradRegressor().setMesh("batch=2").setMaxIter(3).setLearningRate(0.1)
                .setStandardization(false).fit(rows(row(1e300, 1e300, 1e300), row(1e300, 1e300, 0))), "step 1", "coefficients"),
        // models
        c("loading a model saved by another class", IllegalArgumentException.class,
            () -> MeshAdagradRegressionModel.load(saved.toString()), "MeshAdagradClassificationModel",
            "MeshAdagradRegressionModel"),
        c("loading a model with its data deleted", IllegalArgumentException.class,
            () -> MeshAdagradClassificationModel.load(corrupted.toString()), "corrupted-model"));

    assertTrue(cases.size() >= 30, "at least 30 bad inputs");
    return cases.stream().map(k -> DynamicTest.dynamicTest(k.name(), () -> {
      int cachedBefore = spark.sparkContext().getPersistentRDDs().size();
      long stepsBefore = built.iterations();
      Throwable e = assertThrows(k.type(), k.action(), k.name());
      String message = String.valueOf(e.getMessage());
      for (String w : k.words()) {
        assertTrue(message.contains(w), () -> k.name() + ": message lacks '" + w + "': " + message);
      }
      assertEquals(cachedBefore, spark.sparkContext().getPersistentRDDs().size(), k.name() + " left a cached RDD");
      assertEquals(stepsBefore, built.iterations());
      assertEquals(Tensor.of(new float[] {1f, 2f}, 2), v.read());
    }));
  }
}
