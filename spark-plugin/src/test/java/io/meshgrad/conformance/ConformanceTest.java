package io.meshgrad.conformance;

import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The 30 public conformance scenarios ({@link PublicScenarios}) replayed in process through the
 * same {@link Replay} code that {@code bin/meshgrad replay --check} runs.
 */
class ConformanceTest {

  @TestFactory
  Stream<DynamicTest> eachPublicScenarioMatchesKeras() throws IOException {
    return PublicScenarios.eachMatchesKeras(new InProcessScenarioRunner());
  }

  @Test
  void replayCheckReportsThirtyPassed() throws IOException {
    PublicScenarios.assertCheckReportsThirtyPassed(new InProcessScenarioRunner());
  }
}
