package io.meshgrad.examples;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.ml.MeshAdagradClassificationModel;
import io.meshgrad.ml.MeshAdagradClassifier;
import io.meshgrad.ml.MeshAdagradRegressionModel;
import io.meshgrad.ml.MeshAdagradRegressor;
import io.meshgrad.ml.MeshAdagradTrainingSummary;
import io.meshgrad.ml.MeshMLPClassificationModel;
import io.meshgrad.ml.MeshMLPClassifier;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The spark-submit application: trains a meshgrad model from a file or table and writes
 * {@code model/} (a loadable Spark ML model), {@code summary.json} and {@code loss-curve.png} to
 * {@code --output}. {@code bin/meshgrad train} runs the same code locally with the same flags.
 *
 * <pre>
 * spark-submit --class io.meshgrad.examples.TrainApp --jars meshgrad-spark.jar meshgrad-examples.jar \
 *   --data data/a9a/a9a --test data/a9a/a9a.t --num-features 123 --output /tmp/a9a-model
 * </pre>
 */
public final class TrainApp {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TrainApp() {}

  public static void main(String[] args) throws IOException {
    TrainOptions options;
    try {
      options = TrainOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("TrainApp: " + e.getMessage());
      System.exit(2);
      return;
    }
    SparkSession spark = session(options);
    try {
      run(spark, options, System.out);
    } finally {
      spark.stop();
    }
  }

  /** The session: spark-submit's master if it set one, else {@code --master} (default {@code local[*]}). */
  static SparkSession session(TrainOptions o) {
    SparkSession.Builder b = SparkSession.builder().appName("meshgrad train");
    boolean masterSet = new org.apache.spark.SparkConf().contains("spark.master");
    if (o.master() != null || !masterSet) {
      b.master(o.master() != null ? o.master() : "local[*]");
    }
    SparkSession spark = b.getOrCreate();
    if (o.checkpointDir() != null) {
      spark.sparkContext().setCheckpointDir(o.checkpointDir() + "/spark");
    }
    return spark;
  }

  /** Trains, evaluates and writes the outputs; returns the summary that was written. */
  public static ObjectNode run(SparkSession spark, TrainOptions o, PrintStream out) throws IOException {
    long start = System.nanoTime();
    Dataset<Row> train = load(spark, o, o.data(), out, true);
    Dataset<Row> test = o.test() == null ? null : load(spark, o, o.test(), out, false);
    Path outDir = Path.of(o.output());
    Files.createDirectories(outDir);

    ObjectNode summary = JsonNodeFactory.instance.objectNode();
    summary.put("model", o.model());
    double[] coefficients;
    double[] intercept;
    MeshAdagradTrainingSummary training;
    String mesh;
    out.printf("meshgrad: training a %s model on %s%n", o.model(), o.data());
    try (Progress progress = new Progress(out, o.steps(), 3000)) {
      if (o.model().equals("linear")) {
        MeshAdagradRegressor est = configure(new MeshAdagradRegressor(), o, spark);
        MeshAdagradRegressionModel model = est.fit(train);
        model.write().overwrite().save(outDir.resolve("model").toString());
        coefficients = model.coefficients().toArray();
        intercept = new double[] {model.intercept()};
        training = model.summary();
        mesh = model.getOrDefault(model.mesh());
        if (test != null) {
          Dataset<Row> predicted = model.transform(test);
          RegressionEvaluator ev = new RegressionEvaluator().setLabelCol("label").setPredictionCol("prediction");
          summary.put("testRmse", ev.setMetricName("rmse").evaluate(predicted));
          summary.put("testR2", ev.setMetricName("r2").evaluate(predicted));
        }
      } else if (o.model().equals("mlp")) {
        MeshMLPClassifier est = configure(new MeshMLPClassifier(), o, spark).setActivation(o.activation());
        if (o.layers() != null) {
          est.setLayers(o.layers());
        }
        MeshMLPClassificationModel model = est.fit(train);
        model.write().overwrite().save(outDir.resolve("model").toString());
        summary.set("layers", JSON.valueToTree(model.getLayers()));
        summary.put("activation", model.getActivation());
        coefficients = model.weights().toArray();
        intercept = new double[0];
        training = model.summary();
        mesh = model.getOrDefault(model.mesh());
        if (test != null) {
          addClassificationMetrics(summary, model, test);
        }
      } else {
        MeshAdagradClassifier est = configure(new MeshAdagradClassifier(), o, spark)
            .setFamily(o.model().equals("multinomial") ? "multinomial" : "binomial")
            .setLoss(o.model().equals("hinge") ? "hinge" : "logistic");
        MeshAdagradClassificationModel model = est.fit(train);
        model.write().overwrite().save(outDir.resolve("model").toString());
        if (model.isMultinomial()) {
          coefficients = rowMajor(model.coefficientMatrix());
          intercept = model.interceptVector().toArray();
        } else {
          coefficients = model.coefficients().toArray();
          intercept = new double[] {model.intercept()};
        }
        training = model.summary();
        mesh = model.getOrDefault(model.mesh());
        if (test != null) {
          addClassificationMetrics(summary, model, test);
        }
      }
    }
    summary.put("mesh", mesh);
    summary.put("dtype", o.dtype());
    summary.put("steps", training.steps());
    summary.put("epochs", training.epochs());
    summary.put("stepsSkipped", training.stepsSkipped());
    summary.set("lossHistory", array(training.lossHistory()));
    if (o.model().equals("mlp")) {
      summary.set("weights", array(coefficients)); // MLlib's flattened layout: per layer kernel [in, out], bias
    } else {
      summary.set("coefficients", array(coefficients));
      summary.set("intercept", array(intercept));
    }
    summary.put("trainSeconds", training.wallSeconds());
    summary.put("wallSeconds", (System.nanoTime() - start) / 1e9);
    Files.write(outDir.resolve("summary.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(summary));
    try {
      LossChart.writePng(training.lossHistory(), training.validationLossHistory(),
          "meshgrad " + o.model() + " on " + new File(o.data()).getName(), outDir.resolve("loss-curve.png").toFile());
    } catch (IOException | RuntimeException | LinkageError e) {
      // the chart is a convenience: a missing JFreeChart jar or an unwritable file must not fail the run
      System.err.println("meshgrad: no loss-curve.png (" + e + "); the model and summary.json are written");
    }
    out.printf(Locale.ROOT, "meshgrad: %d steps, final loss %.6f%n", training.steps(),
        training.lossHistory().length == 0 ? Double.NaN : training.lossHistory()[training.lossHistory().length - 1]);
    if (summary.has("testAccuracy")) {
      out.printf(Locale.ROOT, "meshgrad: test accuracy %.4f%n", summary.get("testAccuracy").doubleValue());
    }
    out.println("meshgrad: wrote " + outDir.resolve("model") + ", " + outDir.resolve("summary.json") + ", "
        + outDir.resolve("loss-curve.png"));
    return summary;
  }

  private static <T extends io.meshgrad.ml.MeshAdagradSetters<T>> T configure(T est, TrainOptions o,
      SparkSession spark) {
    est.setMaxIter(o.steps()).setMaxEpochs(o.epochs()).setBatchSize(o.batchSize()).setRegParam(o.regParam())
        .setDtype(o.dtype()).setSeed(o.seed())
        .setMesh(o.mesh() != null ? o.mesh() : "batch=" + spark.sparkContext().defaultParallelism());
    if (o.optimizerJson() != null) {
      est.setOptimizerConfig(o.optimizerJson());
    }
    if (o.checkpointDir() != null) {
      est.setCheckpointDir(o.checkpointDir() + "/state").setResume(o.resume());
    }
    return est;
  }

  private static void addClassificationMetrics(ObjectNode summary, MeshAdagradClassificationModel model,
      Dataset<Row> test) {
    addClassificationMetrics(summary, model.transform(test), !model.isHinge(), model.numClasses());
  }

  private static void addClassificationMetrics(ObjectNode summary, MeshMLPClassificationModel model,
      Dataset<Row> test) {
    addClassificationMetrics(summary, model.transform(test), true, model.numClasses());
  }

  private static void addClassificationMetrics(ObjectNode summary, Dataset<Row> transformed, boolean probabilities,
      int numClasses) {
    Dataset<Row> predicted = transformed.cache();
    try {
      long n = predicted.count();
      long correct = predicted.filter(col("prediction").equalTo(col("label"))).count();
      summary.put("testAccuracy", (double) correct / n);
      if (probabilities) {
        double logLoss = 0;
        for (Row r : predicted.select("probability", "label").collectAsList()) {
          double p = ((Vector) r.get(0)).apply((int) r.getDouble(1));
          logLoss -= Math.log(Math.max(p, 1e-15));
        }
        summary.put("testLogLoss", logLoss / n);
      }
      if (numClasses == 2) {
        summary.put("testAuc", new BinaryClassificationEvaluator().setRawPredictionCol("rawPrediction")
            .setLabelCol("label").setMetricName("areaUnderROC").evaluate(predicted));
      }
    } finally {
      predicted.unpersist();
    }
  }

  /** Loads a data set with a {@code features} vector column and a double {@code label} column. */
  static Dataset<Row> load(SparkSession spark, TrainOptions o, String where, PrintStream out, boolean report) {
    Dataset<Row> df = switch (o.format()) {
      case "libsvm" -> {
        var reader = spark.read().format("libsvm");
        if (o.numFeatures() != null) {
          reader = reader.option("numFeatures", o.numFeatures().toString());
        }
        yield reader.load(where);
      }
      case "parquet" -> spark.read().parquet(where);
      case "csv" -> spark.read().option("header", "true").option("inferSchema", "true").csv(where);
      default -> spark.table(where);
    };
    if (!o.format().equals("libsvm")) {
      if (!List.of(df.columns()).contains(o.labelCol())) {
        throw new IllegalArgumentException("--label-col: no column '" + o.labelCol() + "' in " + where
            + "; columns are " + List.of(df.columns()));
      }
      if (!o.featuresCols().isEmpty()) {
        df = new VectorAssembler().setInputCols(o.featuresCols().toArray(new String[0])).setOutputCol("features")
            .transform(df);
      }
      df = df.withColumn("label", col(o.labelCol()).cast("double"));
    }
    if (o.binary() || o.model().equals("mlp")) {
      List<Row> labels = df.select("label").distinct().collectAsList();
      boolean signed = labels.stream().allMatch(r -> r.getDouble(0) == -1.0 || r.getDouble(0) == 1.0)
          && labels.stream().anyMatch(r -> r.getDouble(0) == -1.0);
      if (signed) {
        if (report) {
          out.println("meshgrad: label mapping -1 -> 0, +1 -> 1");
        }
        df = df.withColumn("label", when(col("label").gt(0), 1.0).otherwise(0.0));
      }
    }
    return df.select("features", "label");
  }

  private static double[] rowMajor(Matrix m) {
    double[] out = new double[m.numRows() * m.numCols()];
    for (int i = 0; i < m.numRows(); i++) {
      for (int j = 0; j < m.numCols(); j++) {
        out[i * m.numCols() + j] = m.apply(i, j);
      }
    }
    return out;
  }

  private static ArrayNode array(double[] values) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    for (double v : values) {
      a.add(v);
    }
    return a;
  }
}
