package io.meshgrad.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.SparkTestSession;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The public scenarios replayed through the Spark paths of a fit ({@code local[2]}, 2 partitions):
 * the many-steps-per-job engine (3 steps a job, so that jobs end inside and at the end of a
 * scenario) and the job-per-step path, with the checks of {@link ConformanceTest}, and their
 * result lines identical to the in-process replay's.
 */
class EngineConformanceTest {

  private static EngineScenarioRunner engine(int stepsPerJob) {
    SparkSession spark = SparkTestSession.get();
    return new EngineScenarioRunner(() -> spark, 2, stepsPerJob);
  }

  @TestFactory
  Stream<DynamicTest> everyScenarioThroughTheEngineMatchesKeras() throws IOException {
    EngineScenarioRunner runner = engine(3);
    return Replay.scenarioFiles(List.of(ConformanceTest.scenarioDir())).stream().map(f -> DynamicTest.dynamicTest(
        f.getFileName().toString(), () -> {
          Scenario s = Scenario.read(f);
          Optional<String> diff = runner.run(s).firstDifference(s.expected(), s.dtype(), s.exact());
          assertTrue(diff.isEmpty(), () -> s.name() + ": " + diff.get());
        }));
  }

  @Test
  void replayCheckThroughTheEngineReportsThirtyPassed() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Replay.Summary summary = new Replay(engine(4))
        .check(Replay.scenarioFiles(List.of(ConformanceTest.scenarioDir())), new PrintStream(buf, true, StandardCharsets.UTF_8));
    String out = buf.toString(StandardCharsets.UTF_8);
    assertEquals(30, summary.passed(), out);
    assertEquals(0, summary.failed(), out);
    assertTrue(out.strip().endsWith("30 passed, 0 failed"), out);
  }

  @Test
  void engineJobPathAndInProcessLinesAreIdentical() throws IOException {
    var files = Replay.scenarioFiles(List.of(ConformanceTest.scenarioDir()));
    String inProcess = lines(new InProcessScenarioRunner(), files);
    assertEquals(inProcess, lines(engine(3), files), "engine, 3 steps a job");
    assertEquals(inProcess, lines(engine(1), files), "job-per-step path");
  }

  private static String lines(ScenarioRunner runner, List<java.nio.file.Path> files) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    assertEquals(0, new Replay(runner).print(files, new PrintStream(buf, true, StandardCharsets.UTF_8)));
    return buf.toString(StandardCharsets.UTF_8);
  }
}
