package io.meshgrad.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshgrad.SparkTestSession;
import io.meshgrad.mesh.Mesh;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The public scenarios replayed with their variables sharded on a Spark mesh ({@code local[2]}). */
class ShardedConformanceTest {

  @TestFactory
  Stream<DynamicTest> everyScenarioShardedOnA2x2MeshMatchesKeras() throws IOException {
    return PublicScenarios.eachMatchesKeras(new ShardedScenarioRunner(SparkTestSession.get(),
        Mesh.parse("batch=2,model=2")));
  }

  @Test
  void shardedAndInProcessLinesAreIdenticalForExactScenarios() throws IOException {
    SparkSession spark = SparkTestSession.get();
    ByteArrayOutputStream a = new ByteArrayOutputStream();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    var files = Replay.scenarioFiles(List.of(PublicScenarios.dir().resolve("mesh_rows.json"),
        PublicScenarios.dir().resolve("sparse_dups.json"), PublicScenarios.dir().resolve("ema_overwrite.json")));
    new Replay(new InProcessScenarioRunner()).print(files, new PrintStream(a, true, StandardCharsets.UTF_8));
    new Replay(new ShardedScenarioRunner(spark, Mesh.parse("batch=2,model=2")))
        .print(files, new PrintStream(b, true, StandardCharsets.UTF_8));
    assertEquals(a.toString(StandardCharsets.UTF_8), b.toString(StandardCharsets.UTF_8));
  }
}
