package io.meshgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code bin/meshgrad replay --steps-per-job K}: the public scenarios replayed through the engine from the command line. */
class ReplayCommandTest {

  @Test
  void checkThroughTheEngineReportsThirtyPassed() {
    Path scenarios = Path.of("..", "spark-plugin", "src", "test", "resources", "conformance");
    assertTrue(Files.isDirectory(scenarios), scenarios.toAbsolutePath().toString());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = MeshgradCli.run(new String[] {"replay", "--check", "--master", "local[2]", "--steps-per-job", "4",
        scenarios.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String stdout = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, stdout + err.toString(StandardCharsets.UTF_8));
    assertTrue(stdout.strip().endsWith("30 passed, 0 failed"), stdout);
  }
}
