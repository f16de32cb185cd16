package io.meshgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshgrad.testing.StandaloneCluster;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's spark-submit line, as is: {@code spark-submit --properties-file
 * conf/spark-defaults.conf --class io.meshgrad.examples.TrainApp
 * examples/target/meshgrad-app-VERSION.jar ...}, against a real standalone Master and Worker on
 * 127.0.0.1 whose installation holds Spark's jars and nothing else (no meshgrad, no JFreeChart);
 * the submitting JVM runs {@code org.apache.spark.deploy.SparkSubmit} from those jars alone, as the
 * {@code spark-submit} script does. Only the cluster's address and loopback settings are added.
 * An integration test (Failsafe, after {@code package}): it needs the application jar.
 */
@Tag("cluster")
class SparkSubmitClusterIT {
  @TempDir
  Path tmp;

  @Test
  void theReadmeLineRunsTheAppJarOnAStandaloneCluster() throws Exception {
    Path appJar = Path.of(System.getProperty("meshgrad.app.jar"));
    assertTrue(Files.isRegularFile(appJar), "no application jar at " + appJar + " (mvn package builds it)");
    List<Path> sparkJars = Arrays.stream(Files.readString(Path.of(System.getProperty("meshgrad.spark.classpath")))
        .strip().split(File.pathSeparator)).map(Path::of).toList();
    assertTrue(sparkJars.stream().noneMatch(j -> j.getFileName().toString().matches("(jfreechart|meshgrad).*")),
        "the Spark installation must not hold the application's dependencies: " + sparkJars);

    try (StandaloneCluster cluster = StandaloneCluster.start(1, 2, Map.of(), Map.of(), sparkJars)) {
      Path repo = TrainAppTest.repo();
      Path a9a = repo.resolve("data/a9a");
      Path out = tmp.resolve("out");
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      for (String opt : System.getProperty("meshgrad.jvm.opens", "").split(" ")) {
        if (!opt.isBlank()) {
          cmd.add(opt);
        }
      }
      cmd.addAll(List.of("-Xmx1g", "-Dlog4j2.configurationFile=" + repo.resolve("conf/log4j2.properties"),
          "-cp", cluster.sparkHome().resolve("jars") + File.separator + "*", "org.apache.spark.deploy.SparkSubmit",
          // the cluster: its address, loopback only, small executors
          "--master", cluster.masterUrl(), "--conf", "spark.driver.host=127.0.0.1",
          "--conf", "spark.driver.bindAddress=127.0.0.1", "--conf", "spark.ui.enabled=false",
          "--conf", "spark.executor.memory=512m",
          // the README's line
          "--properties-file", repo.resolve("conf/spark-defaults.conf").toString(),
          "--class", "io.meshgrad.examples.TrainApp", appJar.toString(),
          "--data", a9a.resolve("a9a").toString(), "--test", a9a.resolve("a9a.t").toString(),
          "--num-features", "123", "--model", "logistic", "--mesh", "batch=2,model=2", "--steps", "40",
          "--optimizer", repo.resolve("conf/adagrad.json").toString(), "--output", out.toString()));
      Path log = tmp.resolve("submit.log");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().keySet().removeIf(k -> k.startsWith("SPARK_"));
      pb.environment().put("SPARK_HOME", cluster.sparkHome().toString());
      pb.environment().put("SPARK_SCALA_VERSION", "2.13");
      Process p = pb.start();
      boolean done = p.waitFor(300, TimeUnit.SECONDS);
      if (!done) {
        p.destroyForcibly();
      }
      assertTrue(done, "spark-submit did not finish in 300 s");
      assertEquals(0, p.exitValue(), () -> "spark-submit failed:\n" + tail(log));
      String printed = Files.readString(log);
      assertTrue(printed.contains("test accuracy"), printed);
      assertFalse(printed.contains("no loss-curve.png"), printed);

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
