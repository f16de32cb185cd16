package io.meshgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.ml.MeshAdagradClassificationModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TrainApp (what spark-submit and bin/meshgrad train run) on the bundled data, in local mode. */
class TrainAppTest {
  @TempDir
  Path out;

  static Path repo() {
    return Path.of(System.getProperty("meshgrad.data.dir")).getParent();
  }

  static SparkSession spark() {
    return SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
  }

  @Test
  void trainsA9aAndWritesModelSummaryAndChart() throws Exception {
    Path a9a = repo().resolve("data/a9a");
    TrainOptions o = TrainOptions.parse(new String[] {"--data", a9a.resolve("a9a").toString(),
        "--test", a9a.resolve("a9a.t").toString(), "--num-features", "123", "--steps", "60",
        "--mesh", "batch=2,model=2", "--optimizer", repo().resolve("conf/adagrad.json").toString(),
        "--output", out.toString()});
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    ObjectNode summary = TrainApp.run(spark(), o, new PrintStream(log, true, StandardCharsets.UTF_8));
    String printed = log.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains("label mapping -1 -> 0, +1 -> 1"), printed);

    JsonNode written = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertEquals(summary.toString(), written.toString());
    for (String key : new String[] {"model", "mesh", "dtype", "steps", "lossHistory", "coefficients", "intercept",
        "testAccuracy", "testLogLoss", "testAuc", "wallSeconds"}) {
      assertTrue(written.has(key), "summary.json lacks " + key);
    }
    assertEquals("batch=2,model=2", written.get("mesh").asText());
    assertEquals(60, written.get("lossHistory").size());
    assertEquals(123, written.get("coefficients").size());
    assertTrue(written.get("testAccuracy").asDouble() >= 0.84, written.toString());
    assertTrue(written.get("testAuc").asDouble() > 0.85);
    assertTrue(Files.size(out.resolve("loss-curve.png")) > 1000);

    MeshAdagradClassificationModel model = MeshAdagradClassificationModel.load(out.resolve("model").toString());
    assertEquals(written.get("coefficients").get(5).asDouble(), model.coefficients().apply(5));
  }

  @Test
  void trainsAnMlpWithLayersOnAShardedMesh() throws Exception {
    Path a9a = repo().resolve("data/a9a");
    TrainOptions o = TrainOptions.parse(new String[] {"--data", a9a.resolve("a9a").toString(),
        "--test", a9a.resolve("a9a.t").toString(), "--num-features", "123", "--model", "mlp", "--layers",
        "123,16,2", "--activation", "tanh", "--steps", "40", "--batch-size", "512", "--mesh", "batch=2,model=2",
        "--optimizer", "{\"learning_rate\": 0.1}", "--output", out.toString()});
    ObjectNode summary = TrainApp.run(spark(), o, new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8));
    assertEquals("[123,16,2]", summary.get("layers").toString());
    assertEquals("tanh", summary.get("activation").asText());
    assertEquals(123 * 16 + 16 + 16 * 2 + 2, summary.get("weights").size());
    assertEquals(40, summary.get("lossHistory").size());
    assertTrue(summary.get("testAccuracy").asDouble() >= 0.80, summary.toString());
    io.meshgrad.ml.MeshMLPClassificationModel model =
        io.meshgrad.ml.MeshMLPClassificationModel.load(out.resolve("model").toString());
    assertEquals(summary.get("weights").get(7).asDouble(), model.weights().apply(7));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainOptions.parse(
        new String[] {"--data", "x", "--output", "y", "--model", "mlp", "--layers", "784"}));
    assertTrue(e.getMessage().contains("--layers"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> TrainOptions.parse(
        new String[] {"--data", "x", "--output", "y", "--layers", "4,2"}));
    assertTrue(e.getMessage().contains("--model mlp"), e.getMessage());
  }

  @Test
  void csvWithAssembledColumnsTrainsALinearModel() throws Exception {
    Path csv = out.resolve("lin.csv");
    StringBuilder b = new StringBuilder("x1,x2,y\n");
    java.util.Random r = new java.util.Random(1);
    for (int i = 0; i < 200; i++) {
      double x1 = r.nextGaussian();
      double x2 = r.nextGaussian();
      b.append(x1).append(',').append(x2).append(',').append(3 * x1 - 2 * x2 + 1).append('\n');
    }
    Files.writeString(csv, b);
    TrainOptions o = TrainOptions.parse(new String[] {"--data", csv.toString(), "--test", csv.toString(),
        "--format", "csv", "--label-col", "y", "--features-cols", "x1,x2", "--model", "linear", "--steps", "300",
        "--mesh", "batch=2", "--optimizer", "{\"learning_rate\": 0.5}", "--output", out.resolve("lin").toString(),
        "--overwrite"});
    // a chart that cannot be written (here a folder in its place) must not fail the run
    Files.createDirectories(out.resolve("lin").resolve("loss-curve.png"));
    ObjectNode summary = TrainApp.run(spark(), o, new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8));
    assertTrue(Files.isRegularFile(out.resolve("lin").resolve("summary.json")));
    assertEquals(3.0, summary.get("coefficients").get(0).asDouble(), 0.05);
    assertEquals(-2.0, summary.get("coefficients").get(1).asDouble(), 0.05);
    assertTrue(summary.get("testRmse").asDouble() < 0.1, summary.toString());
  }

  @Test
  void badFlagsNameTheFlagAndTheAllowedValues() {
    IllegalArgumentException model = assertThrows(IllegalArgumentException.class,
        () -> TrainOptions.parse(new String[] {"--data", "x", "--output", "y", "--model", "tree"}));
    assertTrue(model.getMessage().contains(
        "--model must be one of logistic, multinomial, linear, hinge, fm, fm-regression, mlp; got 'tree'"));
    IllegalArgumentException steps = assertThrows(IllegalArgumentException.class,
        () -> TrainOptions.parse(new String[] {"--data", "x", "--output", "y", "--steps", "-1"}));
    assertTrue(steps.getMessage().contains("--steps must be an integer >= 0"));
    assertThrows(IllegalArgumentException.class, () -> TrainOptions.parse(new String[] {"--data", "x"}));
    IllegalArgumentException flag = assertThrows(IllegalArgumentException.class,
        () -> TrainOptions.parse(new String[] {"--data", "x", "--output", "y", "--lr", "1"}));
    assertTrue(flag.getMessage().startsWith("unknown flag --lr"));
    IllegalArgumentException factors = assertThrows(IllegalArgumentException.class,
        () -> TrainOptions.parse(new String[] {"--data", "x", "--output", "y", "--model", "fm", "--factor-size", "0"}));
    assertTrue(factors.getMessage().contains("--factor-size must be an integer >= 1, got 0"), factors.getMessage());
  }

  @Test
  void factorizationMachineOnA9aWritesItsFactors() throws Exception {
    Path a9a = repo().resolve("data/a9a");
    TrainOptions o = TrainOptions.parse(new String[] {"--data", a9a.resolve("a9a").toString(),
        "--test", a9a.resolve("a9a.t").toString(), "--num-features", "123", "--steps", "40", "--model", "fm",
        "--factor-size", "4", "--init-std", "0.05", "--mesh", "batch=2,model=2", "--optimizer",
        "{\"learning_rate\": 0.5}", "--output", out.toString()});
    ObjectNode summary = TrainApp.run(spark(), o, new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8));
    JsonNode written = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertEquals(summary.toString(), written.toString());
    assertEquals("fm", written.get("model").asText());
    assertEquals(4, written.get("factorSize").asInt());
    assertEquals(123 * 4, written.get("factors").size());
    assertEquals(123, written.get("linear").size());
    assertEquals(40, written.get("lossHistory").size());
    assertTrue(written.get("testAccuracy").asDouble() >= 0.83, written.get("testAccuracy").toString());
    assertTrue(written.get("testAuc").asDouble() > 0.85, written.get("testAuc").toString());
    io.meshgrad.ml.MeshFMClassificationModel model =
        io.meshgrad.ml.MeshFMClassificationModel.load(out.resolve("model").toString());
    assertEquals(written.get("factors").get(4 * 7 + 2).asDouble(), model.factors().apply(7, 2));
    assertEquals(written.get("linear").get(5).asDouble(), model.linear().apply(5));
  }

  /**
   * {@code bin/meshgrad train --model fm} on a model of 2^17 features (a9a's rows declared that
   * wide) sharded on {@code batch=2,model=2}: the factors and linear weights take the row-sparse
   * pull (at least 2^16 rows), the lineage cuts go to {@code --checkpoint-dir}, and the fit equals
   * the driver-held one on {@code batch=2} weight for weight.
   */
  @Test
  void aWideFactorizationMachineTrainsShardedOnThePullPathAsDriverHeld() throws Exception {
    Path a9a = repo().resolve("data/a9a");
    JsonNode[] written = new JsonNode[2];
    String[] meshes = {"batch=2", "batch=2,model=2"};
    for (int m = 0; m < 2; m++) {
      Path dir = out.resolve("mesh" + m);
      TrainOptions o = TrainOptions.parse(new String[] {"--data", a9a.resolve("a9a").toString(),
          "--test", a9a.resolve("a9a.t").toString(), "--num-features", String.valueOf(1 << 17), "--steps", "20",
          "--batch-size", "2000", "--model", "fm", "--factor-size", "2", "--init-std", "0.05", "--mesh", meshes[m],
          "--optimizer", "{\"learning_rate\": 0.5}", "--checkpoint-dir", dir.resolve("checkpoints").toString(),
          "--output", dir.resolve("out").toString()});
      TrainApp.run(spark(), o, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      written[m] = new ObjectMapper().readTree(dir.resolve("out/summary.json").toFile());
    }
    // summary.json holds no weights of a model this size (more than TrainApp.SUMMARY_WEIGHTS_LIMIT): model/ has them
    io.meshgrad.ml.MeshFMClassificationModel[] models = new io.meshgrad.ml.MeshFMClassificationModel[2];
    for (int m = 0; m < 2; m++) {
      assertTrue(!written[m].has("factors") && !written[m].has("linear"), written[m].toString());
      models[m] = io.meshgrad.ml.MeshFMClassificationModel.load(written[m].get("modelPath").asText());
    }
    assertEquals((1 << 17) * 2, models[1].factors().numRows() * models[1].factors().numCols());
    assertEquals(models[0].factors(), models[1].factors(), "factors, driver-held and row-pulled");
    assertEquals(models[0].linear(), models[1].linear(), "linear weights, driver-held and row-pulled");
    assertEquals(written[0].get("lossHistory").size(), written[1].get("lossHistory").size());
    assertTrue(written[1].get("testAuc").asDouble() > 0.85, written[1].get("testAuc").toString());
  }

  private static ObjectNode runQuietly(String... args) throws Exception {
    return TrainApp.run(spark(), TrainOptions.parse(args), new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8));
  }

  /**
   * {@code --steps 40} takes 40 steps (the stages' default tol of 1e-6 ended this fit at 37
   * without a word); {@code --tol} opts into the convergence stop, and summary.json says at which
   * step and why the fit ended.
   */
  @Test
  void stepsAreTakenAsAskedAndTolOptsIntoTheConvergenceStop() throws Exception {
    String sample = repo().resolve("data/spark-mllib/sample_linear_regression_data.txt").toString();
    ObjectNode asked = runQuietly("--data", sample, "--model", "linear", "--steps", "40", "--mesh", "batch=2",
        "--output", out.resolve("asked").toString());
    assertEquals(40, asked.get("steps").asInt());
    assertEquals(40, asked.get("lossHistory").size());
    assertEquals("steps", asked.get("stopReason").asText());
    ObjectNode tol = runQuietly("--data", sample, "--model", "linear", "--steps", "40", "--tol", "1e-3", "--mesh",
        "batch=2", "--output", out.resolve("tol").toString());
    assertEquals("tol", tol.get("stopReason").asText());
    assertTrue(tol.get("steps").asInt() < 40, tol.toString());
    assertEquals(tol.get("steps").asInt(), tol.get("stoppedAtStep").asInt());
    assertEquals(40, tol.get("plannedSteps").asInt());
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> TrainOptions.parse(new String[] {"--data", "x", "--output", "y", "--tol", "-1"}));
    assertTrue(bad.getMessage().contains("--tol must be a finite number >= 0"), bad.getMessage());
  }

  /**
   * {@code --epochs} with {@code --steps}: summary.json has the epochs made (fractional when the
   * step limit cut the last one), says which limit ended the fit, and progress counts against
   * the limit that ends it.
   */
  @Test
  void epochsAndStepsReportTheLimitThatEndedTheFitAndTheEpochsMade() throws Exception {
    // 501 rows in batches of 100: 6 steps per epoch
    String sample = repo().resolve("data/spark-mllib/sample_linear_regression_data.txt").toString();
    ObjectNode byEpochs = runQuietly("--data", sample, "--model", "linear", "--steps", "1000000", "--epochs", "1",
        "--batch-size", "100", "--mesh", "batch=2", "--output", out.resolve("epochs").toString());
    assertEquals("epochs", byEpochs.get("stopReason").asText());
    assertEquals(6, byEpochs.get("steps").asInt());
    assertEquals(6, byEpochs.get("plannedSteps").asInt());
    assertEquals(1.0, byEpochs.get("epochs").asDouble());
    String progress = Progress.line(2, 0.5, 1.0);
    assertTrue(progress.contains("step 2/6 (epochs limit)"), progress);

    ObjectNode bySteps = runQuietly("--data", sample, "--model", "linear", "--steps", "3", "--epochs", "1",
        "--batch-size", "100", "--mesh", "batch=2", "--output", out.resolve("steps").toString());
    assertEquals("steps", bySteps.get("stopReason").asText());
    assertEquals(0.5, bySteps.get("epochs").asDouble(), "3 of an epoch's 6 steps");
    assertTrue(Progress.line(2, 0.5, 1.0).contains("step 2/3 (steps limit)"));
  }

  /**
   * A binary fit prints AUC and log loss beside accuracy, and the run's phases with their seconds
   * (printed and in summary.json).
   */
  @Test
  void aBinaryFitPrintsAucAndLogLossAndThePhasesOfTheRun() throws Exception {
    Path a9a = repo().resolve("data/a9a");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    ObjectNode summary = TrainApp.run(spark(), TrainOptions.parse(new String[] {"--data", a9a.resolve("a9a").toString(),
        "--test", a9a.resolve("a9a.t").toString(), "--num-features", "123", "--steps", "10", "--mesh", "batch=2",
        "--output", out.toString()}), new PrintStream(log, true, StandardCharsets.UTF_8));
    String printed = log.toString(StandardCharsets.UTF_8);
    assertTrue(printed.matches("(?s).*meshgrad: test accuracy 0\\.\\d{4}, AUC 0\\.\\d{4}, log loss 0\\.\\d{4}\n.*"),
        printed);
    assertTrue(printed.matches("(?s).*meshgrad: seconds: read and check [\\d.]+, prepare [\\d.]+, train [\\d.]+,"
        + " evaluate [\\d.]+, write [\\d.]+ \\(total [\\d.]+\\)\n.*"), printed);
    JsonNode phases = summary.get("phaseSeconds");
    double sum = 0;
    for (String phase : new String[] {"readAndCheck", "prepare", "train", "evaluate", "write"}) {
      assertTrue(phases.has(phase) && phases.get(phase).asDouble() >= 0, summary.toString());
      sum += phases.get(phase).asDouble();
    }
    assertTrue(sum <= summary.get("wallSeconds").asDouble(), summary.toString());
    assertEquals(summary.get("trainSeconds").asDouble(), phases.get("train").asDouble());
  }

  /**
   * summary.json holds the weights of a model of at most TrainApp.SUMMARY_WEIGHTS_LIMIT
   * parameters only; a larger one's are in model/, which summary.json names.
   */
  @Test
  void summaryJsonLeavesOutTheWeightsOfALargeModel() throws Exception {
    Path a9a = repo().resolve("data/a9a");
    ObjectNode summary = runQuietly("--data", a9a.resolve("a9a").toString(), "--num-features", "20000", "--steps", "3",
        "--mesh", "batch=2", "--output", out.toString());
    assertEquals(20001, summary.get("numParameters").asLong());
    assertTrue(!summary.has("coefficients") && !summary.has("intercept"), summary.toString());
    assertTrue(Files.size(out.resolve("summary.json")) < 10_000, "summary.json of " + Files.size(
        out.resolve("summary.json")) + " bytes");
    MeshAdagradClassificationModel model = MeshAdagradClassificationModel.load(summary.get("modelPath").asText());
    assertEquals(20000, model.numFeatures());
    assertEquals(3, summary.get("lossHistory").size());
  }

  /** {@code --steps-per-job K}: K steps per Spark job on the engine, the same model and losses as one job per step. */
  @Test
  void stepsPerJobTrainsTheSameModelAsOneJobPerStep() throws Exception {
    Path a9a = repo().resolve("data/a9a");
    JsonNode[] written = new JsonNode[2];
    String[] stepsPerJob = {"1", "4"};
    for (int k = 0; k < 2; k++) {
      Path dir = out.resolve("k" + stepsPerJob[k]);
      TrainOptions o = TrainOptions.parse(new String[] {"--data", a9a.resolve("a9a").toString(), "--num-features",
          "123", "--steps", "10", "--batch-size", "512", "--mesh", "batch=2", "--steps-per-job", stepsPerJob[k],
          "--optimizer", "{\"learning_rate\": 0.5, \"clipnorm\": 1.0}", "--output", dir.toString()});
      assertEquals(Integer.parseInt(stepsPerJob[k]), o.stepsPerJob());
      TrainApp.run(spark(), o, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      written[k] = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    }
    assertEquals(10, written[1].get("lossHistory").size());
    for (String key : new String[] {"coefficients", "intercept", "lossHistory"}) {
      assertEquals(written[0].get(key), written[1].get(key), key);
    }
    UsageException e = assertThrows(UsageException.class, () -> TrainOptions.parse(new String[] {"--data", "x",
        "--output", "y", "--steps-per-job", "-2"}));
    assertTrue(e.getMessage().contains("--steps-per-job"), e.getMessage());
  }
}
