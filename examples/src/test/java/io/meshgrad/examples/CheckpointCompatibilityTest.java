package io.meshgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshgrad.LogCapture;
import io.meshgrad.train.MeshTrainer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint written before linear fits ran through {@code ModelLoss} (commit 2986957, by
 * {@code bin/meshgrad train} with the flags below, step 10 of 20, kept in the test resources)
 * resumes today: the fit's identity still names no model, and the resumed fit ends with the
 * weights and losses of an uninterrupted one.
 */
class CheckpointCompatibilityTest {
  @TempDir
  Path tmp;

  private static List<String> flags(Path a9a) {
    return List.of("--data", a9a.resolve("a9a").toString(), "--num-features", "123", "--model", "logistic",
        "--mesh", "batch=2,model=2", "--steps", "20", "--batch-size", "500",
        // the checkpoint was written when the CLI took the stages' tol (1e-6), had seed 0 by default, the linear
        // stages' accumulators started at 0.1 and before standardization existed: the fit it continues had those
        "--tol", "1e-6", "--standardization", "false", "--seed", "0",
        "--optimizer", "{\"learning_rate\": 0.5, \"initial_accumulator_value\": 0.1}");
  }

  private static JsonNode train(List<String> flags) throws Exception {
    TrainOptions o = TrainOptions.parse(flags.toArray(new String[0]));
    TrainApp.run(TrainAppTest.spark(), o, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    return new ObjectMapper().readTree(Path.of(o.output()).resolve("summary.json").toFile());
  }

  @Test
  void aLinearCheckpointFromBeforeModelLossResumesToTheUninterruptedFit() throws Exception {
    Path a9a = TrainAppTest.repo().resolve("data/a9a");
    Path fixture = Path.of(getClass().getResource("/checkpoints/linear-2986957").toURI());
    Path checkpoints = tmp.resolve("checkpoints");
    try (Stream<Path> files = Files.walk(fixture)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path to = checkpoints.resolve(fixture.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(to);
        } else {
          Files.copy(f, to, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    List<String> resumed = new ArrayList<>(flags(a9a));
    resumed.addAll(List.of("--checkpoint-dir", checkpoints.toString(), "--resume", "--output",
        tmp.resolve("resumed").toString()));
    JsonNode fromCheckpoint;
    try (LogCapture log = LogCapture.start(MeshTrainer.class.getName(), Level.INFO)) {
      fromCheckpoint = train(resumed);
      assertTrue(log.describe().contains("resumed from the checkpoint at step 10"), log.describe());
    }
    List<String> plain = new ArrayList<>(flags(a9a));
    plain.addAll(List.of("--output", tmp.resolve("plain").toString()));
    JsonNode uninterrupted = train(plain);
    assertEquals(uninterrupted.get("lossHistory"), fromCheckpoint.get("lossHistory"));
    assertEquals(uninterrupted.get("coefficients"), fromCheckpoint.get("coefficients"));
    assertEquals(uninterrupted.get("intercept"), fromCheckpoint.get("intercept"));
  }
}
