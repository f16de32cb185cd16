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
import io.meshgrad.ml.MeshgradTrainingSummary;
import io.meshgrad.ml.MeshFMClassificationModel;
import io.meshgrad.ml.MeshFMClassifier;
import io.meshgrad.ml.MeshFMRegressionModel;
import io.meshgrad.ml.MeshFMRegressor;
import io.meshgrad.ml.MeshFMSetters;
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
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;

/**
 * The spark-submit application: trains a meshgrad model from a file or table and writes
 * {@code model/} (a loadable Spark ML model), {@code summary.json} and {@code loss-curve.png} to
 * {@code --output}. {@code bin/meshgrad train} runs the same code locally with the same flags.
 *
 * <pre>
 * spark-submit --class io.meshgrad.examples.TrainApp examples/target/meshgrad-app-VERSION.jar \
 *   --data data/a9a/a9a --test data/a9a/a9a.t --num-features 123 --output /tmp/a9a-model
 * </pre>
 */
public final class TrainApp {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TrainApp() {}

  public static void main(String[] args) {
    System.exit(main(args, System.out, System.err, "TrainApp"));
  }

  /**
   * Parses the flags, checks the paths, trains and writes the outputs; returns the exit code. Every
   * error ends in one line on {@code err} that starts with {@code command} and names the flag, file,
   * row or column at fault (with {@code --verbose}, followed by its stack trace): exit code 2 for a
   * bad flag, 1 for anything else. Nothing is written to {@code --output} unless the fit succeeds.
   */
  static int main(String[] args, PrintStream out, PrintStream err, String command) {
    boolean verbose = List.of(args).contains("--verbose");
    try {
      TrainOptions options = TrainOptions.parse(args);
      checkPaths(options);
      SparkSession spark = session(options);
      try {
        run(spark, options, out);
        return 0;
      } finally {
        spark.stop();
      }
    } catch (Exception | LinkageError e) {
      return ErrorReport.print(command, e, verbose, err);
    }
  }

  /** The local paths: inputs exist and are readable, the output directory can be created and is not in use. */
  static void checkPaths(TrainOptions o) {
    if (!o.format().equals("table")) {
      PathChecks.readable("--data", o.data());
      if (o.test() != null) {
        PathChecks.readable("--test", o.test());
      }
    }
    PathChecks.writableDirectory("--output", o.output(), o.overwrite() || o.resume(),
        "--overwrite to replace its outputs");
    if (o.checkpointDir() != null) {
      PathChecks.writableDirectory("--checkpoint-dir", o.checkpointDir(), true, null);
    }
  }

  /** The session: spark-submit's master if it set one, else {@code --master} (default {@code local[*]}). */
  static SparkSession session(TrainOptions o) {
    SparkSession.Builder b = SparkSession.builder().appName("meshgrad train");
    boolean masterSet = new org.apache.spark.SparkConf().contains("spark.master");
    if (o.master() != null || !masterSet) {
      b.master(o.master() != null ? o.master() : "local[*]");
    }
    SparkSession spark;
    try {
      spark = b.getOrCreate();
    } catch (Exception e) { // SparkException is checked, but Scala throws it undeclared
      if (o.master() == null) {
        throw e instanceof RuntimeException r ? r : new IllegalStateException("cannot start Spark", e);
      }
      throw new InputException("--master " + o.master() + ": " + ErrorReport.firstLine(String.valueOf(e.getMessage()))
          + " (allowed: local, local[N], local[*], spark://HOST:PORT, yarn, k8s://URL)");
    }
    if (o.checkpointDir() != null) {
      spark.sparkContext().setCheckpointDir(o.checkpointDir() + "/spark");
    }
    return spark;
  }

  /**
   * The most parameters a model may have for {@code summary.json} to hold its weights
   * ({@code coefficients}/{@code intercept}, {@code linear}/{@code factors}, or {@code weights});
   * a larger model's weights are only in {@code model/} (Parquet), which {@code modelPath} names.
   */
  static final long SUMMARY_WEIGHTS_LIMIT = 10_000;

  /** A fitted model, ready to be evaluated and written. */
  private record Fitted(org.apache.spark.ml.util.MLWritable model, MeshgradTrainingSummary training, String mesh,
      long numParameters, Runnable putWeights, java.util.function.Consumer<Dataset<Row>> evaluate) {}

  /** Trains, evaluates and writes the outputs; returns the summary that was written. */
  public static ObjectNode run(SparkSession spark, TrainOptions o, PrintStream out) throws IOException {
    long start = System.nanoTime();
    checkPaths(o);
    Input trainInput = load(spark, o, "--data", o.data(), null, -1, out);
    Dataset<Row> train = trainInput.rows();
    Dataset<Row> test = o.test() == null ? null
        : load(spark, o, "--test", o.test(), trainInput.numFeatures(), trainInput.numClasses(), out).rows();
    Path outDir = Path.of(o.output());
    double readSeconds = (System.nanoTime() - start) / 1e9;

    ObjectNode summary = JsonNodeFactory.instance.objectNode();
    summary.put("model", o.model());
    out.printf("meshgrad: training a %s model on %s%n", o.model(), o.data());
    long fitStart = System.nanoTime();
    Fitted fitted;
    try (Progress progress = new Progress(out, 3000)) {
      fitted = fit(o, spark, train, summary);
    }
    double fitSeconds = (System.nanoTime() - fitStart) / 1e9;
    MeshgradTrainingSummary training = fitted.training();

    long evaluateStart = System.nanoTime();
    if (test != null) {
      fitted.evaluate().accept(test);
    }
    double evaluateSeconds = (System.nanoTime() - evaluateStart) / 1e9;

    long writeStart = System.nanoTime();
    Files.createDirectories(outDir);
    fitted.model().write().overwrite().save(outDir.resolve("model").toString());
    summary.put("mesh", fitted.mesh());
    summary.put("dtype", o.dtype());
    summary.put("steps", training.steps());
    summary.put("plannedSteps", training.plannedSteps());
    summary.put("stoppedAtStep", training.stoppedAtStep());
    summary.put("stopReason", training.stopReason());
    summary.put("epochs", training.epochsCompleted());
    summary.put("maxSteps", ((io.meshgrad.ml.MeshgradParams) fitted.model()).getMaxIter());
    summary.put("batchSize", ((io.meshgrad.ml.MeshgradParams) fitted.model()).getBatchSize());
    summary.put("maxEpochs", o.epochs());
    summary.put("tol", o.tol());
    summary.put("standardization", ((io.meshgrad.ml.MeshgradParams) fitted.model()).getStandardization());
    summary.put("stepsSkipped", training.stepsSkipped());
    summary.set("lossHistory", array(training.lossHistory()));
    summary.put("modelPath", outDir.resolve("model").toAbsolutePath().toString());
    summary.put("numParameters", fitted.numParameters());
    if (fitted.numParameters() <= SUMMARY_WEIGHTS_LIMIT) {
      fitted.putWeights().run();
    }
    try {
      LossChart.writePng(training.lossHistory(), training.validationLossHistory(),
          "meshgrad " + o.model() + " on " + new File(o.data()).getName(), outDir.resolve("loss-curve.png").toFile());
    } catch (IOException | RuntimeException | LinkageError e) {
      // the chart is a convenience: a missing JFreeChart jar or an unwritable file must not fail the run
      System.err.println("meshgrad: no loss-curve.png (" + e + "); the model and summary.json are written");
    }
    double writeSeconds = (System.nanoTime() - writeStart) / 1e9;
    // the fit's own time outside its training loop is its data preparation (validate, pack, cache the rows)
    double prepareSeconds = Math.max(0, fitSeconds - training.wallSeconds());
    ObjectNode phases = summary.putObject("phaseSeconds");
    phases.put("readAndCheck", readSeconds);
    phases.put("prepare", prepareSeconds);
    phases.put("train", training.wallSeconds());
    phases.put("evaluate", evaluateSeconds);
    phases.put("write", writeSeconds);
    summary.put("trainSeconds", training.wallSeconds());
    summary.put("wallSeconds", (System.nanoTime() - start) / 1e9);
    Files.write(outDir.resolve("summary.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(summary));

    out.printf(Locale.ROOT, "meshgrad: %d steps (%s), %.4g epochs, final loss %.6f%n", training.steps(),
        stopWords(training), training.epochsCompleted(),
        training.lossHistory().length == 0 ? Double.NaN : training.lossHistory()[training.lossHistory().length - 1]);
    String metrics = testMetrics(summary);
    if (!metrics.isEmpty()) {
      out.println("meshgrad: test " + metrics);
    }
    out.printf(Locale.ROOT, "meshgrad: seconds: read and check %.1f, prepare %.1f, train %.1f, evaluate %.1f,"
        + " write %.1f (total %.1f)%n", readSeconds, prepareSeconds, training.wallSeconds(), evaluateSeconds,
        writeSeconds, summary.get("wallSeconds").doubleValue());
    out.println("meshgrad: wrote " + outDir.resolve("model") + ", " + outDir.resolve("summary.json") + ", "
        + outDir.resolve("loss-curve.png") + (fitted.numParameters() <= SUMMARY_WEIGHTS_LIMIT ? ""
        : " (summary.json leaves out the " + fitted.numParameters() + " weights: more than "
            + SUMMARY_WEIGHTS_LIMIT + "; they are in model/)"));
    return summary;
  }

  /** What ended the fit, in words for the console. */
  static String stopWords(MeshgradTrainingSummary t) {
    return switch (t.stopReason()) {
      case "steps" -> "the --steps limit";
      case "epochs" -> "the --epochs limit, before --steps " + t.plannedSteps();
      case "tol" -> "stopped at step " + t.stoppedAtStep() + " of " + t.plannedSteps()
          + " by --tol: the loss changed by at most tol * max(1, |loss|)";
      case "earlyStopping" -> "stopped at step " + t.stoppedAtStep() + " of " + t.plannedSteps() + " by early stopping";
      default -> t.stopReason();
    };
  }

  /** The test metrics of {@code summary}, e.g. {@code accuracy 0.8412, AUC 0.9012, log loss 0.3401}. */
  static String testMetrics(ObjectNode summary) {
    List<String> parts = new java.util.ArrayList<>();
    String[][] names = {{"testAccuracy", "accuracy"}, {"testAuc", "AUC"}, {"testLogLoss", "log loss"},
        {"testRmse", "RMSE"}, {"testR2", "R2"}};
    for (String[] n : names) {
      if (summary.has(n[0])) {
        parts.add(String.format(Locale.ROOT, "%s %.4f", n[1], summary.get(n[0]).doubleValue()));
      }
    }
    return String.join(", ", parts);
  }

  /** Fits the model {@code --model} names; the factor size, layers and activation go into {@code summary}. */
  private static Fitted fit(TrainOptions o, SparkSession spark, Dataset<Row> train, ObjectNode summary) {
    if (o.model().equals("fm")) {
      MeshFMClassificationModel model = configureFm(new MeshFMClassifier(), o, spark).fit(train);
      summary.put("factorSize", model.getFactorSize());
      return new Fitted(model, model.summary(), model.getOrDefault(model.mesh()),
          (long) model.numFeatures() * (model.getFactorSize() + 1) + 1,
          () -> putFm(summary, model.linear(), model.intercept(), model.factors()),
          test -> addClassificationMetrics(summary, model.transform(test), true, true));
    } else if (o.model().equals("fm-regression")) {
      MeshFMRegressionModel model = configureFm(new MeshFMRegressor(), o, spark).fit(train);
      summary.put("factorSize", model.getFactorSize());
      return new Fitted(model, model.summary(), model.getOrDefault(model.mesh()),
          (long) model.numFeatures() * (model.getFactorSize() + 1) + 1,
          () -> putFm(summary, model.linear(), model.intercept(), model.factors()),
          test -> addRegressionMetrics(summary, model.transform(test)));
    } else if (o.model().equals("linear")) {
      MeshAdagradRegressionModel model = configure(new MeshAdagradRegressor(), o, spark).fit(train);
      return new Fitted(model, model.summary(), model.getOrDefault(model.mesh()), model.numFeatures() + 1L,
          () -> putLinear(summary, model.coefficients().toArray(), new double[] {model.intercept()}),
          test -> addRegressionMetrics(summary, model.transform(test)));
    } else if (o.model().equals("mlp")) {
      MeshMLPClassifier est = configure(new MeshMLPClassifier(), o, spark).setActivation(o.activation());
      if (o.layers() != null) {
        est.setLayers(o.layers());
      }
      MeshMLPClassificationModel model = est.fit(train);
      summary.set("layers", JSON.valueToTree(model.getLayers()));
      summary.put("activation", model.getActivation());
      long n = 0;
      int[] layers = model.getLayers();
      for (int i = 0; i + 1 < layers.length; i++) {
        n += (long) layers[i] * layers[i + 1] + layers[i + 1];
      }
      // MLlib's flattened layout: per layer kernel [in, out], bias
      return new Fitted(model, model.summary(), model.getOrDefault(model.mesh()), n,
          () -> summary.set("weights", array(model.weights().toArray())),
          test -> addClassificationMetrics(summary, model.transform(test), true, model.numClasses() == 2));
    }
    MeshAdagradClassifier est = configure(new MeshAdagradClassifier(), o, spark)
        .setFamily(o.model().equals("multinomial") ? "multinomial" : "binomial")
        .setLoss(o.model().equals("hinge") ? "hinge" : "logistic");
    MeshAdagradClassificationModel model = est.fit(train);
    int outputs = model.isMultinomial() ? model.numClasses() : 1;
    return new Fitted(model, model.summary(), model.getOrDefault(model.mesh()),
        (long) model.numFeatures() * outputs + outputs,
        () -> {
          if (model.isMultinomial()) {
            putLinear(summary, rowMajor(model.coefficientMatrix()), model.interceptVector().toArray());
          } else {
            putLinear(summary, model.coefficients().toArray(), new double[] {model.intercept()});
          }
        },
        test -> addClassificationMetrics(summary, model.transform(test), !model.isHinge(), model.numClasses() == 2));
  }

  private static void putLinear(ObjectNode summary, double[] coefficients, double[] intercept) {
    summary.set("coefficients", array(coefficients));
    summary.set("intercept", array(intercept));
  }

  /** An FM's weights: {@code linear}, {@code intercept} and {@code factors} (row-major {@code [numFeatures, factorSize]}). */
  private static void putFm(ObjectNode summary, Vector linear, double intercept, Matrix factors) {
    summary.set("linear", array(linear.toArray()));
    summary.set("intercept", array(new double[] {intercept}));
    summary.set("factors", array(rowMajor(factors)));
  }

  private static <T extends io.meshgrad.ml.MeshgradSetters<T>> T configure(T est, TrainOptions o,
      SparkSession spark) {
    // the CLI takes the steps it is asked for: tol only with --tol (the stages' default tol is MLlib's 1e-6)
    if (o.steps() != null) {
      est.setMaxIter(o.steps());
    }
    if (o.seed() != null) {
      est.setSeed(o.seed());
    }
    if (o.batchSize() != null) {
      est.setBatchSize(o.batchSize());
    }
    est.setMaxEpochs(o.epochs()).setTol(o.tol()).setStepsPerJob(o.stepsPerJob()).setRegParam(o.regParam())
        .setDtype(o.dtype())
        .setMesh(o.mesh() != null ? o.mesh() : "batch=" + spark.sparkContext().defaultParallelism());
    if (o.optimizerJson() != null) {
      est.setOptimizerConfig(o.optimizerJson());
    }
    // the CLI's default: the features as given (its reference runs, e.g. conf/adagrad.json on a9a, were
    // measured so), except for an MLP, whose input files keep their raw scale (mnist's pixels 0..255)
    est.setStandardization(o.standardization() != null ? o.standardization() : o.model().equals("mlp"));
    if (o.checkpointDir() != null) {
      est.setCheckpointDir(o.checkpointDir() + "/state").setResume(o.resume());
    }
    return est;
  }

  private static <T extends MeshFMSetters<T>> T configureFm(T est, TrainOptions o, SparkSession spark) {
    return configure(est, o, spark).setFactorSize(o.factorSize()).setInitStd(o.initStd()).setFitLinear(o.fitLinear());
  }

  private static void addRegressionMetrics(ObjectNode summary, Dataset<Row> predicted) {
    RegressionEvaluator ev = new RegressionEvaluator().setLabelCol("label").setPredictionCol("prediction");
    summary.put("testRmse", ev.setMetricName("rmse").evaluate(predicted));
    summary.put("testR2", ev.setMetricName("r2").evaluate(predicted));
  }

  /**
   * Accuracy, and log loss when the model gives probabilities, and AUC when it is binary, of its
   * predictions of {@code test}.
   */
  private static void addClassificationMetrics(ObjectNode summary, Dataset<Row> predictions,
      boolean probabilities, boolean binary) {
    Dataset<Row> predicted = predictions.cache();
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
      if (binary) {
        summary.put("testAuc", new BinaryClassificationEvaluator().setRawPredictionCol("rawPrediction")
            .setLabelCol("label").setMetricName("areaUnderROC").evaluate(predicted));
      }
    } finally {
      predicted.unpersist();
    }
  }

  /** A loaded input: {@code features} and {@code label} columns, and its number of features. */
  record Input(Dataset<Row> rows, int numFeatures, int numClasses) {}

  /**
   * Loads and checks a data set ({@link DataCheck}): a bad row ends the run with one message naming
   * {@code flag}, the file and the row, before the fit. Binary labels -1/+1 become 0/1.
   *
   * @param trainFeatures the training data's number of features when loading the test data, else null
   * @param trainClasses the training data's number of classes (multinomial) when loading the test data, else -1
   */
  static Input load(SparkSession spark, TrainOptions o, String flag, String where, Integer trainFeatures,
      int trainClasses, PrintStream out) {
    DataCheck.LabelRule rule = DataCheck.LabelRule.of(o.model(), trainClasses);
    Dataset<Row> df;
    DataCheck.Seen seen;
    int numFeatures;
    if (o.format().equals("libsvm")) {
      Integer limit = o.numFeatures() != null ? o.numFeatures() : trainFeatures;
      String limitSource = o.numFeatures() != null ? "--num-features " + limit
          : "the " + limit + " features of the training data (--data; --num-features sets the number)";
      seen = DataCheck.libsvm(spark, flag, where, limit, limitSource, rule);
      numFeatures = limit != null ? limit : seen.maxFeatureIndex();
      if (numFeatures == 0) {
        throw new InputException(flag + " " + where + ": no line has a feature (LIBSVM lines are LABEL INDEX:VALUE"
            + " ...); --num-features sets the number of features");
      }
      df = spark.read().format("libsvm").option("numFeatures", Integer.toString(numFeatures)).load(where);
    } else {
      Dataset<Row> raw = read(spark, o, flag, where);
      df = raw;
      List<String> featureNames = null;
      if (!o.featuresCols().isEmpty()) {
        for (String c : o.featuresCols()) {
          requireType(raw, flag, where, "--features-cols", c, "a numeric, boolean or vector column",
              t -> t instanceof NumericType || t instanceof BooleanType || t instanceof VectorUDT);
        }
        if (o.featuresCols().stream().noneMatch(c -> raw.schema().apply(c).dataType() instanceof VectorUDT)) {
          featureNames = o.featuresCols();
        }
        df = new VectorAssembler().setInputCols(o.featuresCols().toArray(new String[0])).setOutputCol("features")
            .setHandleInvalid("keep").transform(df.drop("features"));
      } else {
        requireType(df, flag, where, "--features-cols", "features",
            "a vector column (or name numeric columns with --features-cols)", t -> t instanceof VectorUDT);
      }
      requireType(df, flag, where, "--label-col", o.labelCol(), "a numeric column",
          t -> t instanceof NumericType || t instanceof BooleanType);
      df = df.withColumn("label", col(o.labelCol()).cast("double"));
      numFeatures = trainFeatures != null ? trainFeatures : DataCheck.firstVectorSize(df);
      seen = DataCheck.vectors(df, flag, where, o.labelCol(), featureNames, numFeatures,
          trainFeatures != null ? "the training data (--data)" : "the first row", rule);
    }
    boolean signedBinary = seen.labels().contains(-1.0)
        && seen.labels().stream().allMatch(l -> l == -1.0 || l == 1.0);
    if ((o.binary() || (o.model().equals("mlp") && signedBinary)) && seen.labels().contains(-1.0)) {
      if (flag.equals("--data")) {
        out.println("meshgrad: label mapping -1 -> 0, +1 -> 1");
      }
      df = df.withColumn("label", when(col("label").gt(0), 1.0).otherwise(0.0));
    }
    int numClasses = o.model().equals("multinomial") || o.model().equals("mlp") ? (int) seen.maxLabel() + 1 : -1;
    return new Input(df.select("features", "label"), numFeatures, numClasses);
  }

  private static Dataset<Row> read(SparkSession spark, TrainOptions o, String flag, String where) {
    return switch (o.format()) {
      case "parquet" -> spark.read().parquet(where);
      case "csv" -> spark.read().option("header", "true").option("inferSchema", "true").csv(where);
      default -> {
        if (!spark.catalog().tableExists(where)) {
          throw new InputException(flag + " " + where + ": no such table (--format table reads a table or view of"
              + " the session's catalog)");
        }
        yield spark.table(where);
      }
    };
  }

  private static void requireType(Dataset<Row> df, String flag, String where, String columnFlag, String column,
      String allowed, java.util.function.Predicate<DataType> ok) {
    if (!List.of(df.columns()).contains(column)) {
      throw new InputException(flag + " " + where + ": no column '" + column + "' (" + columnFlag + "); columns are "
          + String.join(", ", df.columns()));
    }
    DataType type = df.schema().apply(column).dataType();
    if (!ok.test(type)) {
      throw new InputException(flag + " " + where + ": column '" + column + "' (" + columnFlag + ") is "
          + type.simpleString() + "; allowed: " + allowed);
    }
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
