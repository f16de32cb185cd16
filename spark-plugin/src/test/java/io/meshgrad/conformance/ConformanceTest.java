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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The 30 public conformance scenarios (copied from shared/conformance, computed by an independent
 * numpy model of Keras 2.13 Adagrad), replayed in process through the same {@link Replay} code
 * that {@code bin/meshgrad replay --check} runs.
 */
class ConformanceTest {

  static Path scenarioDir() {
    try {
      return Path.of(ConformanceTest.class.getResource("/conformance").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @TestFactory
  Stream<DynamicTest> eachPublicScenarioMatchesKeras() throws IOException {
    InProcessScenarioRunner runner = new InProcessScenarioRunner();
    return Replay.scenarioFiles(List.of(scenarioDir())).stream().map(f -> DynamicTest.dynamicTest(
        f.getFileName().toString(), () -> {
          Scenario s = Scenario.read(f);
          Optional<String> diff = runner.run(s).firstDifference(s.expected(), s.dtype(), s.exact());
          assertTrue(diff.isEmpty(), () -> s.name() + ": " + diff.get());
        }));
  }

  @Test
  void replayCheckReportsThirtyPassed() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Replay.Summary summary = new Replay(new InProcessScenarioRunner())
        .check(Replay.scenarioFiles(List.of(scenarioDir())), new PrintStream(buf, true, StandardCharsets.UTF_8));
    String out = buf.toString(StandardCharsets.UTF_8);
    assertEquals(30, summary.passed(), out);
    assertEquals(0, summary.failed(), out);
    assertTrue(out.strip().endsWith("30 passed, 0 failed"), out);
  }
}
