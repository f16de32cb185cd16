package io.meshgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the driver (a spark-submit process running TrainApp) after a checkpoint, then the
 * same command with {@code --resume}: the result is bit-identical to an uninterrupted run.
 */
class DriverKillResumeTest {
  @TempDir
  Path tmp;

  private List<String> submit(Path output, Path checkpoints, boolean resume) {
    Path a9a = TrainAppTest.repo().resolve("data/a9a");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of(System.getProperty("meshgrad.jvm.opens", "").split(" ")));
    cmd.removeIf(String::isBlank);
    cmd.addAll(List.of("-Xmx1g", "-Dlog4j2.configurationFile=" + TrainAppTest.repo().resolve("conf/log4j2.properties"),
        "-cp", System.getProperty("java.class.path"), "org.apache.spark.deploy.SparkSubmit",
        "--master", "local[2]", "--conf", "spark.ui.enabled=false", "--conf", "spark.driver.host=127.0.0.1",
        "--class", TrainApp.class.getName(), "spark-internal",
        "--data", a9a.resolve("a9a").toString(), "--num-features", "123", "--mesh", "batch=2,model=2",
        "--steps", "60", "--optimizer", "{\"learning_rate\": 0.5, \"use_ema\": true, \"ema_momentum\": 0.9}",
        "--output", output.toString(), "--checkpoint-dir", checkpoints.toString()));
    if (resume) {
      cmd.add("--resume");
    }
    return cmd;
  }

  private static Process start(List<String> cmd, Path log) throws IOException {
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static void await(Process p, Path log) throws Exception {
    assertTrue(p.waitFor(240, TimeUnit.SECONDS), "spark-submit did not finish in time");
    assertEquals(0, p.exitValue(), () -> "spark-submit failed:\n" + read(log));
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Test
  void aKilledDriverResumesToTheSameWeights() throws Exception {
    Path straightOut = tmp.resolve("straight");
    await(start(submit(straightOut, tmp.resolve("ckpt-straight"), false), tmp.resolve("straight.log")),
        tmp.resolve("straight.log"));

    Path out = tmp.resolve("killed");
    Path ckpt = tmp.resolve("ckpt");
    Process victim = start(submit(out, ckpt, false), tmp.resolve("killed.log"));
    Path second = ckpt.resolve("state").resolve("step-000000020");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (!Files.isDirectory(second) && victim.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(Files.isDirectory(second), () -> "no checkpoint at step 20:\n" + read(tmp.resolve("killed.log")));
    victim.destroyForcibly(); // SIGKILL: no shutdown hooks, no final checkpoint
    victim.waitFor(30, TimeUnit.SECONDS);
    assertTrue(!Files.exists(out.resolve("summary.json")), "the killed run must not have finished");

    await(start(submit(out, ckpt, true), tmp.resolve("resumed.log")), tmp.resolve("resumed.log"));
    assertTrue(read(tmp.resolve("resumed.log")).contains("resumed from the checkpoint"),
        read(tmp.resolve("resumed.log")));

    ObjectMapper json = new ObjectMapper();
    JsonNode a = json.readTree(straightOut.resolve("summary.json").toFile());
    JsonNode b = json.readTree(out.resolve("summary.json").toFile());
    assertEquals(a.get("coefficients"), b.get("coefficients"));
    assertEquals(a.get("intercept"), b.get("intercept"));
    assertEquals(a.get("lossHistory"), b.get("lossHistory"));
    assertEquals(60, b.get("lossHistory").size());
    assertTrue(new File(out.resolve("model").toString()).isDirectory());
  }
}
