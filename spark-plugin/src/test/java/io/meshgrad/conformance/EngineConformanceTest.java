package io.meshgrad.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.SparkTestSession;
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

/**
 * The public scenarios replayed through the Spark paths of a fit ({@code local[2]}, 2 partitions):
 * the many-steps-per-job engine (3 steps a job, so that jobs end inside and at the end of a
 * scenario) and the job-per-step path, with the checks of {@link PublicScenarios}, and their
 * result lines identical to the in-process replay's.
 */
class EngineConformanceTest {

  private static EngineScenarioRunner engine(int stepsPerJob) {
    SparkSession spark = SparkTestSession.get();
    return new EngineScenarioRunner(() -> spark, 2, stepsPerJob);
  }

  @TestFactory
  Stream<DynamicTest> everyScenarioThroughTheEngineMatchesKeras() throws IOException {
    return PublicScenarios.eachMatchesKeras(engine(3));
  }

  @Test
  void replayCheckThroughTheEngineReportsThirtyPassed() throws IOException {
    PublicScenarios.assertCheckReportsThirtyPassed(engine(4));
  }

  @Test
  void engineJobPathAndInProcessLinesAreIdentical() throws IOException {
    var files = PublicScenarios.files();
    String inProcess = lines(new InProcessScenarioRunner(), files);
    assertEquals(inProcess, lines(engine(3), files), "engine, 3 steps a job");
    assertEquals(inProcess, lines(engine(1), files), "job-per-step path");
  }

  /**
   * Signed zeros and non-finite gradients pass through the partitions' sum bit for bit: a
   * variable at {@code -0.0} keeps its sign only under a gradient of {@code -0.0} ({@code -0.0 -
   * (-0.0) = 0.0}, {@code -0.0 - 0.0 = -0.0}); steps 0 and 1 are carried by partitions 0 and 1, so
   * each is summed with the other partition's filler on either side. None of the public scenarios
   * has such a gradient.
   */
  @Test
  void signedZerosAndNonFiniteGradientsSurviveTheSumOfPartitions(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws IOException {
    String opt = "{\"name\": \"Adagrad\", \"learning_rate\": 0.1, \"initial_accumulator_value\": 0.1, "
        + "\"epsilon\": 1e-07}";
    String json = "{\"format\": \"meshgrad-scenario/1\", \"name\": \"signed_zeros\", \"dtype\": \"float32\", "
        + "\"optimizer\": " + opt + ", \"variables\": [{\"name\": \"w\", \"shape\": [4], "
        + "\"value\": [-0.0, 0.0, -0.0, 1.0]}, {\"name\": \"e\", \"shape\": [3, 1], \"value\": [-0.0, 2.0, 3.0]}], "
        + "\"steps\": ["
        + "{\"gradients\": [{\"dense\": [-0.0, -0.0, 0.0, \"NaN\"]}, {\"indices\": [0, 0], \"values\": [-0.0, -0.0]}]}, "
        + "{\"gradients\": [{\"dense\": [-0.0, 0.0, -0.0, \"Infinity\"]}, {\"indices\": [0, 2, 0], "
        + "\"values\": [-0.0, \"-Infinity\", -0.0]}]}]}";
    java.nio.file.Path file = dir.resolve("signed_zeros.json");
    java.nio.file.Files.writeString(file, json);
    List<java.nio.file.Path> files = List.of(file);
    String inProcess = lines(new InProcessScenarioRunner(), files);
    assertTrue(inProcess.contains("-0.0"), "the scenario keeps a signed zero in process: " + inProcess);
    assertEquals(inProcess, lines(engine(2), files), "engine, 2 steps a job");
    assertEquals(inProcess, lines(engine(1), files), "job-per-step path");
  }

  private static String lines(ScenarioRunner runner, List<java.nio.file.Path> files) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    assertEquals(0, new Replay(runner).print(files, new PrintStream(buf, true, StandardCharsets.UTF_8)));
    return buf.toString(StandardCharsets.UTF_8);
  }
}
