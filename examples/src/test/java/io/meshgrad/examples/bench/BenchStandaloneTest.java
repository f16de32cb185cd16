package io.meshgrad.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench --standalone 2}: the overhead suite's smoke run (meshgrad's side: the job path and
 * the engine, driver-held and sharded) on a standalone cluster of 2 one-core workers on loopback
 * that the bench starts and stops itself. No timing is asserted.
 */
@Tag("cluster")
class BenchStandaloneTest {
  @TempDir
  Path dir;

  @Test
  void overheadSmokeRunsOnItsOwnStandaloneCluster() throws Exception {
    // one SparkContext per JVM: a session another test class left open would be reused, not the cluster's
    if (SparkSession.getDefaultSession().isDefined()) {
      SparkSession.getDefaultSession().get().stop();
    }
    if (SparkSession.getActiveSession().isDefined()) {
      SparkSession.getActiveSession().get().stop();
    }
    Path json = dir.resolve("overhead-standalone.json");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = BenchCommand.run(new String[] {"--suite", "overhead", "--smoke", "--only", "meshgrad", "--standalone",
        "2", "--json", json.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String stderr = err.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, stderr);
    JsonNode root = new ObjectMapper().readTree(json.toFile());
    assertTrue(root.get("master").asText().startsWith("spark://127.0.0.1:"), root.toString());
    assertEquals(2, root.get("standaloneWorkers").asInt());
    assertEquals(2, root.get("partitions").asInt(), "one partition per worker core");
    int engine = 0;
    for (JsonNode c : root.get("cases")) {
      assertTrue(c.get("meshgrad").asDouble() > 0, c.toString());
      engine += c.get("name").asText().contains("engine (") ? 1 : 0;
    }
    assertTrue(engine >= 1, "an engine case ran on the cluster: " + root.get("cases"));
    assertTrue(stderr.contains("starting a standalone cluster of 2 one-core workers"), stderr);
    assertTrue(ProcessHandle.current().descendants().noneMatch(ph -> ph.isAlive()
        && ph.info().commandLine().orElse("").contains("org.apache.spark")),
        "the bench stopped its Master, Workers and executors");
  }
}
