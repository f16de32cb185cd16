package io.meshgrad.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * The 30 public conformance scenarios (copied from shared/conformance, computed by an independent
 * numpy model of Keras 2.13 Adagrad) as the conformance tests load and check them, whatever
 * {@link ScenarioRunner} replays them: in process, sharded on a mesh, through the engine.
 */
final class PublicScenarios {
  private PublicScenarios() {}

  /** The folder of the scenario files (test resources, {@code /conformance}). */
  static Path dir() {
    try {
      return Path.of(PublicScenarios.class.getResource("/conformance").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every scenario file, in {@link Replay}'s order. */
  static List<Path> files() throws IOException {
    return Replay.scenarioFiles(List.of(dir()));
  }

  /** One test per scenario: {@code runner}'s final state matches the scenario's expected one. */
  static Stream<DynamicTest> eachMatchesKeras(ScenarioRunner runner) throws IOException {
    return files().stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
      Scenario s = Scenario.read(f);
      Optional<String> diff = runner.run(s).firstDifference(s.expected(), s.dtype(), s.exact());
      assertTrue(diff.isEmpty(), () -> s.name() + ": " + diff.get());
    }));
  }

  /** {@link Replay#check} with {@code runner} over every scenario reports all 30 passed, as its last line says. */
  static void assertCheckReportsThirtyPassed(ScenarioRunner runner) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Replay.Summary summary = new Replay(runner).check(files(), new PrintStream(buf, true, StandardCharsets.UTF_8));
    String out = buf.toString(StandardCharsets.UTF_8);
    assertEquals(30, summary.passed(), out);
    assertEquals(0, summary.failed(), out);
    assertTrue(out.strip().endsWith("30 passed, 0 failed"), out);
  }
}
