package io.meshgrad.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.meshgrad.Datasets;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.tensor.DType;
import io.meshgrad.testing.StandaloneCluster;
import io.meshgrad.train.MeshTrainer;
import io.meshgrad.train.StepListener;
import io.meshgrad.train.TrainingResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code kill -9} of executor JVMs of a real standalone cluster (2 workers x 1 core) in the middle
 * of a sharded fit ({@code batch=2,model=2}): the fit completes and its weights and loss history
 * are bit-identical to those of the same fit without the kills on the same cluster.
 *
 * <p>Two kills per fit ({@link ExecutorKiller}): one between steps, one while a task of the
 * following steps runs on the victim. The second kill usually leaves no executor at all until the
 * Workers start replacements, so every cached block (the training data, the state shards, the
 * shuffle files) is gone and must be recomputed.
 */
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExecutorLossTest {
  private static final BlockLoss LOSS = new BinaryLogisticLoss();
  private static final Mesh MESH = Mesh.parse("batch=2,model=2");
  private static final int STEPS = 30;

  private static StandaloneCluster cluster;
  private static SparkSession spark;
  private static TrainingData data;
  private static TrainingResult reference;
  private static Path checkpoints;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = StandaloneCluster.start(2, 1, Map.of(), Map.of());
    spark = ClusterSession.start(cluster, "meshgrad-executor-loss", 2, Map.of());
    data = TrainingData.from(Datasets.a9a(spark, "a9a"), "features", "label", null, MESH.batchSize(),
        LOSS::validateLabel);
    long t0 = System.nanoTime();
    reference = fit(null);
    System.out.printf("reference fit on the cluster: %d steps in %.1f s%n", STEPS, (System.nanoTime() - t0) / 1e9);
    checkpoints = Files.createTempDirectory("meshgrad-checkpoints-");
  }

  @AfterAll
  static void stopCluster() {
    ClusterSession.tearDown(data, spark, checkpoints, cluster);
  }

  private static TrainingResult fit(StepListener listener) {
    MeshTrainer.Settings s = new MeshTrainer.Settings(MESH, DType.FLOAT32, STEPS, 0, 4096, 5L, true, 1e-4, 0.0, 2, 5);
    Adagrad opt = Adagrad.builder().learningRate(0.3).useEma(true).emaMomentum(0.9).globalClipnorm(1.0).build();
    return MeshTrainer.fit(spark, data, LOSS, opt, s, listener);
  }

  private static TrainingResult fitWithKills() {
    return ExecutorKiller.during(cluster, spark, 2, 7, 16, ExecutorLossTest::fit);
  }

  private static void assertBitIdentical(TrainingResult expected, TrainingResult actual) {
    assertEquals(expected.coefficients(), actual.coefficients(), "coefficients");
    assertEquals(expected.intercept(), actual.intercept(), "intercept");
    assertArrayEquals(expected.lossHistory(), actual.lossHistory(), "loss history");
    assertEquals(STEPS, actual.steps());
  }

  @Test
  @Order(1)
  void killedExecutorsWithoutACheckpointDirectory() {
    assertFalse(spark.sparkContext().getCheckpointDir().isDefined());
    assertBitIdentical(reference, fitWithKills());
  }

  @Test
  @Order(2)
  void killedExecutorsWithAReliableCheckpointDirectory() {
    spark.sparkContext().setCheckpointDir(checkpoints.toString());
    assertBitIdentical(reference, fitWithKills());
  }
}
