package io.meshgrad.plugin;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.Datasets;
import io.meshgrad.SparkTestSession;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.metrics.TrainingMetrics;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.train.MeshTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin publishes moving training metrics through a real metrics sink (Spark's CsvSink). */
class MeshgradPluginTest {
  @TempDir
  Path metricsDir;

  @Test
  void driverAndExecutorMetricsMoveDuringTraining() throws IOException {
    SparkTestSession.stop();
    SparkSession spark = SparkSession.builder().master("local[2]").appName("meshgrad-plugin-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.plugins", MeshgradPlugin.class.getName())
        .config("spark.metrics.conf.*.sink.csv.class", "org.apache.spark.metrics.sink.CsvSink")
        .config("spark.metrics.conf.*.sink.csv.period", "1")
        .config("spark.metrics.conf.*.sink.csv.unit", "seconds")
        .config("spark.metrics.conf.*.sink.csv.directory", metricsDir.toString())
        .getOrCreate();
    long stepsBefore = TrainingMetrics.steps();
    try {
      BinaryLogisticLoss loss = new BinaryLogisticLoss();
      try (TrainingData data = TrainingData.from(Datasets.a9a(spark, "a9a"), "features", "label", null, 2,
          loss::validateLabel)) {
        MeshTrainer.Settings s = new MeshTrainer.Settings(Mesh.parse("batch=2,model=2"),
            io.meshgrad.tensor.DType.FLOAT32, 12, 0, 0, 0L, true, 0.0, 0.0, 2, 10);
        MeshTrainer.fit(spark, data, loss, Adagrad.builder().learningRate(0.5).globalClipnorm(0.05).build(), s, null);
      }
    } finally {
      spark.stop(); // reports every metric once more before stopping
    }
    assertTrue(TrainingMetrics.steps() >= stepsBefore + 12);
    assertTrue(lastValue("MeshgradPlugin.steps.csv") >= 12, "steps gauge");
    assertTrue(lastValue("MeshgradPlugin.loss.csv") > 0, "loss gauge");
    assertTrue(lastValue("MeshgradPlugin.gradientNorm.csv") > 0, "gradient norm gauge");
    assertTrue(lastValue("MeshgradPlugin.fractionClipped.csv") > 0, "with global_clipnorm 0.05 steps are clipped");
    assertTrue(lastValue("MeshgradPlugin.examplesPerSecond.csv") > 0, "examples per second");
    assertTrue(lastValue("MeshgradPlugin.rowsProcessed.csv") >= 12 * 32561, "executor rows");
  }

  /** The last value of the first CSV file whose name ends with {@code suffix}. */
  private double lastValue(String suffix) throws IOException {
    try (Stream<Path> files = Files.list(metricsDir)) {
      Path f = files.filter(p -> p.getFileName().toString().endsWith(suffix)).findFirst()
          .orElseThrow(() -> new AssertionError("no metrics file *" + suffix + " in " + list()));
      List<String> lines = Files.readAllLines(f);
      String last = lines.get(lines.size() - 1);
      return Double.parseDouble(last.substring(last.indexOf(',') + 1).trim());
    }
  }

  private List<String> list() {
    try (Stream<Path> files = Files.list(metricsDir)) {
      return files.map(p -> p.getFileName().toString()).toList();
    } catch (IOException e) {
      return List.of(e.toString());
    }
  }
}
