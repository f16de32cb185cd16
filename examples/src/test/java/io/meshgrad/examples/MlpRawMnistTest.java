package io.meshgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/meshgrad train --model mlp --layers 784,128,10} on mnist10k as stored (pixels 0..255,
 * as LIBSVM's mnist and Spark's sample files keep them) with the defaults reaches the test accuracy
 * the MLP stage reaches on pixels divided by 255 (0.95, {@code MlpMnistTest}): the CLI standardizes
 * an MLP's features by default, and the MLP stages' learning rate, batch size and steps are
 * measured for it. Before, the same command diverged (first loss 183.7) and scored 0.34.
 * The mesh is pinned to {@code batch=2} (the default is the machine's parallelism) so the result
 * does not depend on the machine. Tagged {@code long}: about two minutes on a loaded 2-core machine.
 */
@Tag("long")
class MlpRawMnistTest {
  @TempDir
  Path out;

  @Test
  void theCliMlpOnRawPixelsReachesTheAccuracyOfScaledPixelsWithTheDefaults() throws Exception {
    Path mnist = TrainAppTest.repo().resolve("data/mnist10k");
    ObjectNode summary = TrainApp.run(TrainAppTest.spark(), TrainOptions.parse(new String[] {"--data",
        mnist.resolve("mnist10k.train").toString(), "--test", mnist.resolve("mnist10k.test").toString(),
        "--num-features", "784", "--model", "mlp", "--layers", "784,128,10", "--mesh", "batch=2", "--output",
        out.toString()}), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertTrue(summary.get("standardization").asBoolean(), summary.toString());
    assertTrue(summary.get("lossHistory").get(0).asDouble() < 5, "no divergence: " + summary.get("lossHistory").get(0));
    assertTrue(summary.get("testAccuracy").asDouble() >= 0.95, "test accuracy " + summary.get("testAccuracy"));
    assertEquals(summary.get("maxSteps").asInt(), summary.get("steps").asInt());
  }
}
