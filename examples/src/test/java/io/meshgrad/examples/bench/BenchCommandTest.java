package io.meshgrad.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each suite's smoke path ({@code --smoke}: tiny sizes, one repetition) on one shared local
 * session: the JSON has the agreed shape, both sides produced a number and the table printed. No
 * timing is asserted.
 */
class BenchCommandTest {
  private static SparkSession spark;

  @TempDir
  Path dir;

  @BeforeAll
  static void start() {
    spark = BenchCommand.startSession("local[2]");
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private record Run(int code, String out, String err) {}

  private static Run bench(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = BenchCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), () -> spark);
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @ValueSource(strings = {"step-vs-mllib", "time-to-accuracy", "sparse-highdim", "kernel", "overhead", "scale",
      "fm-vs-mllib", "mlp-vs-mllib", "throughput"})
  void smokeRunWritesTheAgreedJson(String suite) throws Exception {
    Path json = dir.resolve(suite + ".json");
    Run r = bench("--suite", suite, "--smoke", "--json", json.toString());
    assertEquals(0, r.code(), "exit code; stderr:\n" + r.err());
    assertTrue(r.out().contains("| case"), "a table on stdout:\n" + r.out());
    JsonNode root = new ObjectMapper().readTree(json.toFile());
    assertEquals(suite, root.get("suite").asText());
    JsonNode cases = root.get("cases");
    assertTrue(cases.isArray() && cases.size() >= 1, "cases: " + cases);
    for (JsonNode c : cases) {
      for (String key : List.of("name", "meshgrad", "peer", "peerName", "unit", "ratio")) {
        assertTrue(c.has(key), key + " missing in " + c);
      }
      assertTrue(c.get("meshgrad").isNumber() && c.get("meshgrad").asDouble() > 0, "meshgrad ran: " + c);
      assertTrue(c.get("peer").isNumber() && c.get("peer").asDouble() > 0, "the peer ran: " + c);
      assertTrue(c.get("ratio").isNumber(), "ratio: " + c);
      assertFalse(c.get("peerName").asText().isBlank());
    }
    assertEquals(0, spark.sparkContext().getPersistentRDDs().size(),
        "the suite left cached RDDs: " + spark.sparkContext().getPersistentRDDs());
  }

  @Test
  void usageErrorsExitWith2() {
    assertEquals(2, bench().code());
    assertEquals(2, bench("--suite", "nope").code());
    assertEquals(2, bench("--suite", "kernel", "--reps", "0").code());
    Run cases = bench("--suite", "scale", "--smoke", "--cases", "huge");
    assertEquals(2, cases.code());
    assertTrue(cases.err().contains("--cases takes one of [dense, sparse, fm] for suite scale, got 'huge'"), cases.err());
    assertEquals(2, bench("--suite", "kernel", "--cases", "fm").code(), "a suite without case groups");
    assertEquals(2, bench("--suite", "overhead", "--standalone", "0").code());
    Run both = bench("--suite", "overhead", "--standalone", "2", "--master", "local[2]");
    assertEquals(2, both.code());
    assertTrue(both.err().contains("--master and --standalone exclude each other"), both.err());
    Run given = bench("--suite", "overhead", "--standalone", "2");
    assertEquals(2, given.code());
    assertTrue(given.err().contains("--standalone starts its own session"), given.err());
  }

  @Test
  void scaleCasesFmRunsTheFmCasesOnly() throws Exception {
    java.nio.file.Path json = java.nio.file.Files.createTempFile("bench-scale-fm", ".json");
    Run r = bench("--suite", "scale", "--smoke", "--cases", "fm", "--json", json.toString());
    assertEquals(0, r.code(), r.err());
    JsonNode cases = new ObjectMapper()
        .readTree(json.toFile()).get("cases");
    assertEquals(2, cases.size(), cases.toString());
    for (JsonNode c : cases) {
      assertTrue(c.get("name").asText().contains("FM sparse 1% batch, model=2"), c.toString());
      assertTrue(c.get("allShardedVariablesPulled").asBoolean(), c.toString());
      assertTrue(c.get("driverRetainedModelBytes").asLong() > 0
          && c.get("driverRetainedModelBytes").asLong() < c.get("modelBytes").asLong(), c.toString());
      // weights + accumulator of V and the linear weights once, and of the replicated intercept once per replica
      long extra = c.get("executorStateBytes").asLong() - 2 * c.get("modelBytes").asLong();
      assertTrue(extra >= 0 && extra <= 2 * 8, c.toString());
    }
    java.nio.file.Files.deleteIfExists(json);
  }

  /**
   * scale's FM tables also run on the engine (with {@code --quick}, shortened by {@code --steps}
   * and {@code --reps}): for each table an engine case beside the job path's of the same run (its
   * step against twice the smallest table's engine step, the job path's step recorded with it,
   * every table pulled by rows, the executors holding the model once after the engine's jobs) and
   * a row of what the driver retains against the 64 MiB bound; {@code --report} lists both rows
   * with their targets.
   */
  @Test
  void scaleFmEngineCasesStandBesideTheJobPath() throws Exception {
    Path json = dir.resolve("scale-fm-engine.json");
    Run r = bench("--suite", "scale", "--quick", "--cases", "fm", "--steps", "2", "--reps", "1", "--json",
        json.toString());
    assertEquals(0, r.code(), "exit code; stderr:\n" + r.err());
    JsonNode root = new ObjectMapper().readTree(json.toFile());
    assertEquals(0, root.get("notSupported").size(), "the engine runs the sharded FM tables: " + root);
    java.util.Map<String, JsonNode> byName = new java.util.HashMap<>();
    for (JsonNode c : root.get("cases")) {
      byName.put(c.get("name").asText(), c);
    }
    assertEquals(6, byName.size(), "two tables: job path, engine, driver retains: " + byName.keySet());
    long firstEngineModelBytes = 0;
    for (int bits : new int[] {ScaleSuite.FM_QUICK_BITS[0], ScaleSuite.FM_QUICK_BITS[1]}) {
      String job = "2^" + bits + " x 16 FM sparse 1% batch, model=4";
      String engineName = job + ", engine (2 steps per job)";
      JsonNode jobCase = byName.get(job);
      JsonNode engine = byName.get(engineName);
      JsonNode retained = byName.get(engineName + ", driver retains");
      assertTrue(jobCase != null && engine != null && retained != null, "cases of 2^" + bits + ": " + byName.keySet());
      assertTrue(engine.get("meshgrad").asDouble() > 0 && engine.get("peer").asDouble() > 0, engine.toString());
      assertEquals(1.0, engine.get("target").asDouble(), engine.toString());
      assertEquals(2, engine.get("stepsPerJob").asInt(), engine.toString());
      assertEquals(3, engine.get("engineJobs").asInt(), "probe, warm-up, one repetition: " + engine);
      assertEquals(jobCase.get("meshgrad").asDouble(), engine.get("jobPerStepMsPerStep").asDouble(), 1e-9,
          "the job path's step of this run: " + engine);
      assertTrue(engine.get("engineVsJobPerStep").asDouble() > 0, engine.toString());
      assertTrue(engine.get("allShardedVariablesPulled").asBoolean(), engine.toString());
      long model = engine.get("modelBytes").asLong();
      long driver = engine.get("driverRetainedModelBytes").asLong();
      assertTrue(driver > 0 && driver < model, engine.toString());
      long extra = engine.get("executorStateBytes").asLong() - 2 * model;
      assertTrue(extra >= 0 && extra <= 2 * 8, "the executors hold the model once after the engine's jobs: " + engine);
      assertTrue(model > firstEngineModelBytes, "growing tables: " + engine);
      firstEngineModelBytes = model;
      assertEquals("MiB", retained.get("unit").asText());
      assertEquals(driver / (double) (1 << 20), retained.get("meshgrad").asDouble(),
          1e-3 * retained.get("meshgrad").asDouble(), retained.toString());
      assertEquals(64.0, retained.get("peer").asDouble(), retained.toString());
      assertEquals(1.0, retained.get("target").asDouble(), retained.toString());
      assertEquals(driver < (64L << 20), retained.get("met").asBoolean(), retained.toString());
    }
    Run report = bench("--report", json.toString());
    assertEquals(0, report.code(), report.err());
    for (String name : byName.keySet()) {
      assertTrue(report.out().lines().anyMatch(l -> l.contains("| " + name + " ") && l.contains("| >= ")),
          name + " with its target in the report:\n" + report.out());
    }
  }

  /**
   * The suites the engine issue names each have the engine as a case beside today's path: measured
   * (with its job-per-step median of the same run and the ratio) or, where the engine refuses the
   * mesh's variables, listed under {@code notSupported} with the engine's own reason; every
   * driver-held engine case runs. meshgrad's side only (the MLlib side is the smoke test's above).
   */
  @ParameterizedTest
  @ValueSource(strings = {"step-vs-mllib", "time-to-accuracy", "sparse-highdim", "fm-vs-mllib", "overhead"})
  void engineCasesStandBesideTodaysPath(String suite) throws Exception {
    Path json = dir.resolve(suite + "-engine.json");
    Run r = bench("--suite", suite, "--smoke", "--only", "meshgrad", "--json", json.toString());
    assertEquals(0, r.code(), "exit code; stderr:\n" + r.err());
    JsonNode root = new ObjectMapper().readTree(json.toFile());
    int measured = 0;
    for (JsonNode c : root.get("cases")) {
      String name = c.get("name").asText();
      if (!name.contains("engine (")) {
        continue;
      }
      measured++;
      assertTrue(c.get("meshgrad").asDouble() > 0, "the engine ran: " + c);
      assertTrue(c.path("jobPerStepMsPerStep").isNumber() || c.path("jobPerStepSeconds").isNumber(), c.toString());
      assertTrue(c.get("engineVsJobPerStep").asDouble() > 0, c.toString());
      assertTrue(c.get("target").asDouble() >= 10, "the issue's target is recorded: " + c);
      assertTrue(c.get("name").asText().startsWith("1% batch") || !suite.equals("step-vs-mllib"), c.toString());
      assertTrue(c.get("stepsPerJob").asInt() >= 2, c.toString());
    }
    for (JsonNode c : root.get("notSupported")) {
      assertTrue(c.get("name").asText().contains("sharded"), "only sharded cases may be refused: " + c);
      assertFalse(c.get("reason").asText().isBlank(), c.toString());
      assertTrue(c.get("target").asDouble() >= 20, c.toString());
    }
    int expected = switch (suite) {
      case "sparse-highdim", "fm-vs-mllib", "overhead" -> 2;
      default -> 1;
    };
    assertEquals(expected, measured + root.get("notSupported").size(), "engine cases: " + root);
    assertTrue(measured >= 1, "the driver-held engine case ran: " + root);
    if (!root.get("notSupported").isEmpty()) {
      assertTrue(r.out().contains("not supported: "), r.out());
    }
  }

  /**
   * {@code --cases} picks the throughput suite's model; {@code --rows} its size. The plain loop
   * gives the same first losses as meshgrad on the engine (the same arithmetic), and the rates are
   * rows per second of one epoch.
   */
  @ParameterizedTest
  @ValueSource(strings = {"linear", "fm"})
  void throughputCasesCompareTheEngineWithThePlainLoop(String group) throws Exception {
    Path json = dir.resolve("throughput-" + group + ".json");
    Run r = bench("--suite", "throughput", "--smoke", "--cases", group, "--rows", "600", "--json", json.toString());
    assertEquals(0, r.code(), "exit code; stderr:\n" + r.err());
    JsonNode root = new ObjectMapper().readTree(json.toFile());
    JsonNode cases = root.get("cases");
    assertEquals(2, cases.size(), "batches 64 and 256: " + cases);
    for (JsonNode c : cases) {
      assertTrue(c.get("name").asText().startsWith(group.equals("fm") ? "FM k=4" : "linear"), c.toString());
      assertEquals(600, c.get("rows").asLong(), c.toString());
      assertEquals("rows/s", c.get("unit").asText());
      assertEquals(1.0, c.get("target").asDouble());
      assertTrue(c.get("meshgrad").asDouble() > 0 && c.get("peer").asDouble() > 0, c.toString());
      assertTrue(c.get("firstLossesAgree").asBoolean(), "the same arithmetic: " + c);
      JsonNode m = c.get("firstLossesMeshgrad");
      JsonNode l = c.get("firstLossesLoop");
      assertEquals(3, m.size(), c.toString());
      for (int i = 0; i < 3; i++) {
        assertEquals(l.get(i).asDouble(), m.get(i).asDouble(), 1e-6, c.toString());
      }
      assertTrue(m.get(0).asDouble() != m.get(2).asDouble(), "the steps moved the model: " + c);
      long steps = c.get("stepsPerEpoch").asLong();
      assertEquals(600, c.get("rowsPerEpoch").asLong(), "one epoch covers every row: " + c);
      assertTrue(steps == (600 + c.get("batch").asLong() - 1) / c.get("batch").asLong(), c.toString());
    }
    assertEquals(2, bench("--suite", "throughput", "--cases", "dense").code());
  }

  @Test
  void medianOfOddAndEvenCounts() {
    assertEquals(2.0, Measure.median(List.of(3.0, 1.0, 2.0)));
    assertEquals(2.5, Measure.median(List.of(4.0, 1.0, 2.0, 3.0)));
  }

  @Test
  void ratiosAreHigherIsBetterForBothKindsOfUnit() {
    assertEquals(2.0, CaseResult.time("t", 10, 20, "p", "ms", 1.5).ratio());
    assertTrue(CaseResult.time("t", 10, 20, "p", "ms", 1.5).met());
    assertEquals(0.5, CaseResult.rate("r", 10, 20, "p", "GB/s", 0.7).ratio());
    assertFalse(CaseResult.rate("r", 10, 20, "p", "GB/s", 0.7).met());
  }

  @Test
  void crossesAreDeterministicSortedAndInRange() {
    var x = new org.apache.spark.ml.linalg.SparseVector(123, new int[] {3, 10, 77}, new double[] {1, 1, 1});
    var a = SparseHighDimSuite.cross(x, 1 << 22);
    var b = SparseHighDimSuite.cross(x, 1 << 22);
    assertEquals(a, b);
    int[] idx = a.indices();
    for (int i = 0; i < idx.length; i++) {
      assertTrue(idx[i] >= 0 && idx[i] < 1 << 22);
      assertTrue(i == 0 || idx[i - 1] < idx[i], "sorted, distinct");
    }
    double total = java.util.Arrays.stream(a.values()).sum();
    assertEquals(6.0, total, 0.0, "3 features + 3 pairs, collisions summed");
  }
}
