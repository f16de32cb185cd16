package io.meshgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshgrad.cluster.StandaloneCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TrainApp submitted with {@code org.apache.spark.deploy.SparkSubmit} (what the spark-submit
 * script runs) to a real standalone Master and Worker on 127.0.0.1 started from the test
 * classpath; the executors are JVMs of their own.
 */
class SparkSubmitClusterTest {
  @TempDir
  Path tmp;

  @Test
  void trainAppRunsOnAStandaloneCluster() throws Exception {
    try (StandaloneCluster cluster = StandaloneCluster.start(1, 2, Map.of(), Map.of())) {
      Path a9a = TrainAppTest.repo().resolve("data/a9a");
      Path out = tmp.resolve("out");
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      for (String opt : System.getProperty("meshgrad.jvm.opens", "").split(" ")) {
        if (!opt.isBlank()) {
          cmd.add(opt);
        }
      }
      cmd.addAll(List.of("-Xmx1g", "-Dlog4j2.configurationFile=" + TrainAppTest.repo().resolve("conf/log4j2.properties"),
          "-cp", System.getProperty("java.class.path"), "org.apache.spark.deploy.SparkSubmit",
          "--master", cluster.masterUrl(), "--deploy-mode", "client",
          "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
          "--conf", "spark.ui.enabled=false", "--conf", "spark.executor.memory=512m",
          "--conf", "spark.executor.extraClassPath=" + cluster.appJar(),
          "--class", TrainApp.class.getName(), cluster.appJar().toString(),
          "--data", a9a.resolve("a9a").toString(), "--test", a9a.resolve("a9a.t").toString(),
          "--num-features", "123", "--mesh", "batch=2,model=2", "--steps", "40",
          "--optimizer", TrainAppTest.repo().resolve("conf/adagrad.json").toString(), "--output", out.toString()));
      Path log = tmp.resolve("submit.log");
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      boolean done = p.waitFor(300, TimeUnit.SECONDS);
      if (!done) {
        p.destroyForcibly();
      }
      assertTrue(done, "spark-submit did not finish in 300 s");
      assertEquals(0, p.exitValue(), () -> "spark-submit failed:\n" + tail(log));
      String printed = Files.readString(log);
      assertTrue(printed.contains("test accuracy"), printed);

      JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
      assertEquals("logistic", summary.get("model").asText());
      assertEquals("batch=2,model=2", summary.get("mesh").asText());
      assertEquals(40, summary.get("steps").asInt());
      assertEquals(40, summary.get("lossHistory").size());
      assertEquals(123, summary.get("coefficients").size());
      assertTrue(summary.get("testAccuracy").asDouble() >= 0.84, summary.toString());
      assertTrue(Files.isDirectory(out.resolve("model")) && Files.size(out.resolve("loss-curve.png")) > 1000);
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
