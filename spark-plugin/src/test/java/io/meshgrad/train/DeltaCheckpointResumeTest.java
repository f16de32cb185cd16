package io.meshgrad.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshgrad.Datasets;
import io.meshgrad.SparkTestSession;
import io.meshgrad.checkpoint.CheckpointPolicy;
import io.meshgrad.checkpoint.CheckpointStore;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A fit over 2^16 features (a9a's 123 spread 512 apart, so a step changes a few of the weights'
 * chunks) whose checkpoints after the first write only changed chunks dies after a delta
 * checkpoint; started again with resume it ends bit-identical to a fit that never died: on the
 * job-per-step path and on the engine (100 steps a job, so its jobs end at the checkpoints).
 */
class DeltaCheckpointResumeTest {
  private static final BinaryLogisticLoss LOSS = new BinaryLogisticLoss();
  private static final int DIM = 1 << 16;

  @TempDir
  Path dir;

  private static final class Crash extends RuntimeException {
    Crash() {
      super("simulated driver crash");
    }
  }

  private TrainingResult fit(SparkSession spark, TrainingData data, String mesh, CheckpointPolicy policy,
      long crashAfter) {
    String[] parts = mesh.split(" ");
    int stepsPerJob = parts.length > 1 ? Integer.parseInt(parts[1].substring("stepsPerJob=".length())) : 1;
    mesh = parts[0];
    MeshTrainer.Settings s = new MeshTrainer.Settings(Mesh.parse(mesh), DType.FLOAT32, 20, 0, 40, 11L, true,
        1e-4, 0.0, 2, 10);
    Adagrad opt = Adagrad.builder().learningRate(0.2).useEma(true).emaMomentum(0.9).build();
    return MeshTrainer.fit(spark, data, LOSS, opt, s,
        new MeshTrainer.Controls(NonFiniteGradient.PROPAGATE, null, policy).withStepsPerJob(stepsPerJob), (step, total, epoch, loss) -> {
          if (step == crashAfter) {
            throw new Crash();
          }
        });
  }

  @ParameterizedTest
  @ValueSource(strings = {"batch=2", "batch=2,model=2", "batch=2,model=2 stepsPerJob=100"})
  void resumingFromADeltaCheckpointEndsBitIdentical(String mesh) throws IOException {
    SparkSession spark = SparkTestSession.get();
    try (TrainingData data = TrainingData.from(Datasets.spreadA9a(spark, 2000, DIM, 512), "features", "label", null,
        2, LOSS::validateLabel)) {
      TrainingResult straight = fit(spark, data, mesh, null, -1);
      String name = mesh.replace(',', '_').replace(' ', '_').replace('=', '-');
      String ckpt = dir.resolve(name).toString();
      CheckpointPolicy policy = new CheckpointPolicy(ckpt, 4, 2, true);
      assertThrows(Crash.class, () -> fit(spark, data, mesh, policy, 10));
      List<String> kept = new CheckpointStore(ckpt, spark.sparkContext().hadoopConfiguration(), 2).list();
      assertTrue(kept.get(0).endsWith("step-000000008"), kept.toString());
      TreeSet<String> files = new TreeSet<>();
      for (JsonNode t : new ObjectMapper().readTree(Files.readAllBytes(dir.resolve(name).resolve("step-000000008")
          .resolve("manifest.json"))).path("tensors")) {
        t.path("files").fieldNames().forEachRemaining(files::add);
      }
      assertTrue(files.stream().anyMatch(f -> f.startsWith("s000000008")), "step 8 wrote chunks: " + files);
      assertTrue(files.stream().anyMatch(f -> !f.startsWith("s000000008")),
          "step 8 is a delta: it names chunks of an earlier checkpoint: " + files);
      TrainingResult resumed = fit(spark, data, mesh, policy, -1);
      assertEquals(straight.coefficients(), resumed.coefficients());
      assertEquals(straight.intercept(), resumed.intercept());
      assertArrayEquals(straight.lossHistory(), resumed.lossHistory());
      assertEquals(20, resumed.steps());
    }
  }
}
