package io.meshgrad.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.Datasets;
import io.meshgrad.SparkTestSession;
import io.meshgrad.checkpoint.CheckpointPolicy;
import io.meshgrad.checkpoint.CheckpointStore;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.tensor.DType;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A fit that dies after a checkpoint and is started again with resume ends bit-identical to one that never died. */
class ResumeTest {
  private static final BinaryLogisticLoss LOSS = new BinaryLogisticLoss();

  @TempDir
  Path dir;

  private static final class Crash extends RuntimeException {
    Crash() {
      super("simulated driver crash");
    }
  }

  private TrainingResult fit(SparkSession spark, TrainingData data, String mesh, CheckpointPolicy policy,
      long crashAfter) {
    MeshTrainer.Settings s = new MeshTrainer.Settings(Mesh.parse(mesh), DType.FLOAT32, 20, 0, 3000, 11L, true,
        1e-4, 0.0, 2, 10);
    Adagrad opt = Adagrad.builder().learningRate(0.2).useEma(true).emaMomentum(0.9).build();
    return MeshTrainer.fit(spark, data, LOSS, opt, s,
        new MeshTrainer.Controls(NonFiniteGradient.PROPAGATE, null, policy), (step, total, epoch, loss) -> {
          if (step == crashAfter) {
            throw new Crash();
          }
        });
  }

  @ParameterizedTest
  @ValueSource(strings = {"batch=2", "batch=2,model=2"})
  void resumingAfterACrashEndsBitIdentical(String mesh) {
    SparkSession spark = SparkTestSession.get();
    try (TrainingData data = TrainingData.from(Datasets.a9a(spark, "a9a"), "features", "label", null, 2,
        LOSS::validateLabel)) {
      TrainingResult straight = fit(spark, data, mesh, null, -1);
      String ckpt = dir.resolve(mesh.replace(',', '_')).toString();
      CheckpointPolicy policy = new CheckpointPolicy(ckpt, 5, 2, true);
      assertThrows(Crash.class, () -> fit(spark, data, mesh, policy, 13));
      assertEquals(2, new CheckpointStore(ckpt, spark.sparkContext().hadoopConfiguration(), 2).list().size());
      TrainingResult resumed = fit(spark, data, mesh, policy, -1);
      assertEquals(straight.coefficients(), resumed.coefficients());
      assertEquals(straight.intercept(), resumed.intercept());
      assertArrayEquals(straight.lossHistory(), resumed.lossHistory());
      assertEquals(20, resumed.steps());

      MeshTrainer.Settings other = new MeshTrainer.Settings(Mesh.parse(mesh), DType.FLOAT32, 20, 0, 1000, 11L, true,
          1e-4, 0.0, 2, 10);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MeshTrainer.fit(spark, data,
          LOSS, Adagrad.builder().learningRate(0.2).useEma(true).emaMomentum(0.9).build(), other,
          new MeshTrainer.Controls(NonFiniteGradient.PROPAGATE, null, policy), null));
      assertTrue(e.getMessage().contains("cannot resume") && e.getMessage().contains("settings"), e.getMessage());
    }
  }
}
