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
      "fm-vs-mllib", "mlp-vs-mllib"})
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
