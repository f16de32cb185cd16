package io.meshgrad.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/meshgrad replay} without {@code --check}: a scenario that cannot run is reported, the rest still run. */
class ReplayTest {

  @Test
  void printReportsABrokenScenarioAndGoesOnWithTheRest(@TempDir Path dir) throws IOException {
    Files.copy(PublicScenarios.dir().resolve("dense_defaults.json"), dir.resolve("a_good.json"));
    Files.writeString(dir.resolve("b_broken.json"), "{\"format\": \"meshgrad-scenario/1\", \"name\": ");
    Files.copy(PublicScenarios.dir().resolve("sparse.json"), dir.resolve("c_good.json"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int failed = new Replay(new InProcessScenarioRunner())
        .print(Replay.scenarioFiles(List.of(dir)), new PrintStream(bytes, true, StandardCharsets.UTF_8));
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(1, failed);
    assertEquals(3, lines.size(), () -> String.join("\n", lines));
    assertTrue(lines.get(1).startsWith("{\"scenario\":\"" + dir.resolve("b_broken.json")), lines.get(1));
    assertTrue(lines.get(1).contains("\"error\":"), lines.get(1));
    assertTrue(!lines.get(0).contains("\"error\"") && !lines.get(2).contains("\"error\""), String.join("\n", lines));
  }
}
