package io.meshgrad.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.data.SyntheticClicks;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.metrics.StepStats;
import io.meshgrad.metrics.TrainingMetrics;
import io.meshgrad.model.FactorizationMachine;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.runtime.MeshRuntime;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import io.meshgrad.testing.StandaloneCluster;
import io.meshgrad.train.MeshTrainer;
import io.meshgrad.train.StepListener;
import io.meshgrad.train.TrainingResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
 * {@code kill -9} of executor JVMs of a real standalone cluster (2 workers x 1 core) during a
 * factorization-machine fit on {@code batch=2,model=2} whose factor matrix and linear weights
 * (2^17 rows, above {@link MeshRuntime#DEFAULT_ROW_PULL_MIN_ROWS}) take the row-sparse pull: no
 * driver copy, each step's touched rows pulled from the shards and broadcast. The fit completes
 * and every variable and the loss history are bit-identical to the same fit without kills.
 *
 * <p>The kills ({@link ExecutorKiller}: one between steps, one in a running task) are placed
 * around the lineage cuts (every {@value #INTERVAL} steps): right after a cut, so that the lost
 * state is recomputed from the cut (the driver-held shards, or the reliable checkpoint); between
 * cuts, so that it is recomputed through the steps since the cut, rerunning their gradient jobs
 * from their pulled rows' broadcasts; and in the first task of a cut step.
 */
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RowPullExecutorLossTest {
  private static final Mesh MESH = Mesh.parse("batch=2,model=2");
  private static final int STEPS = 12;
  private static final int INTERVAL = 5;
  private static final int FACTOR_SIZE = 4;
  private static final SyntheticClicks CLICKS = SyntheticClicks.builder().seed(41).hashBits(17).fields(8)
      .valuesPerField(20_000).factorSize(FACTOR_SIZE).build();
  private static final FactorizationMachine FM = new FactorizationMachine(CLICKS.numFeatures(), FACTOR_SIZE, true,
      true, 0.05, new BinaryLogisticLoss());

  private static StandaloneCluster cluster;
  private static SparkSession spark;
  private static TrainingData data;
  private static Fit reference;
  private static Path checkpoints;

  /** A fit's result and the bytes each of its steps sent to the data partitions. */
  private record Fit(TrainingResult result, long[] bytesSentPerStep) {}

  @BeforeAll
  static void startCluster() throws Exception {
    assertTrue(CLICKS.numFeatures() >= MeshRuntime.DEFAULT_ROW_PULL_MIN_ROWS,
        "the variables must reach the default row-pull threshold");
    cluster = StandaloneCluster.start(2, 1, Map.of(), Map.of());
    spark = ClusterSession.start(cluster, "meshgrad-row-pull-executor-loss", 2, Map.of());
    data = TrainingData.from(CLICKS.dataFrame(spark, 3000, 2), "features", "label", null, MESH.batchSize(),
        FM::validateLabel);
    long t0 = System.nanoTime();
    reference = fit(null);
    System.out.printf("reference FM fit on the cluster: %d steps in %.1f s, bytes sent per step %s%n", STEPS,
        (System.nanoTime() - t0) / 1e9, java.util.Arrays.toString(reference.bytesSentPerStep()));
    checkpoints = Files.createTempDirectory("meshgrad-checkpoints-");
  }

  @AfterAll
  static void stopCluster() {
    ClusterSession.tearDown(data, spark, checkpoints, cluster);
  }

  /** The FM fit, float32, 240-row batches, L2, EMA and global norm clipping (two jobs per update). */
  private static Fit fit(StepListener killer) {
    MeshTrainer.Settings s = new MeshTrainer.Settings(MESH, DType.FLOAT32, STEPS, 0, 240, 9L, true, 1e-3, 0.0, 2,
        INTERVAL);
    Adagrad opt = Adagrad.builder().learningRate(0.2).useEma(true).emaMomentum(0.9).globalClipnorm(1.0).build();
    long[] bytesSent = new long[STEPS];
    StepListener listener = (step, total, epoch, loss) -> {
      // recorded by the runtime before it returns the step's loss, so these are this step's stats
      StepStats stats = TrainingMetrics.lastStep();
      bytesSent[(int) step - 1] = stats.bytesBroadcast();
      if (killer != null) {
        killer.onStep(step, total, epoch, loss);
      }
    };
    TrainingResult r = MeshTrainer.fit(spark, data, FM, opt, s, MeshTrainer.Controls.none(), listener);
    return new Fit(r, bytesSent);
  }

  private static void assertBitIdentical(Fit expected, Fit actual) {
    List<Tensor> want = expected.result().weights();
    List<Tensor> got = actual.result().weights();
    assertEquals(FM.variables().size(), got.size(), "variables");
    for (int v = 0; v < want.size(); v++) {
      assertEquals(want.get(v), got.get(v), FM.variables().get(v).name());
    }
    assertArrayEquals(expected.result().lossHistory(), actual.result().lossHistory(), "loss history");
    assertEquals(STEPS, actual.result().steps());
    assertArrayEquals(expected.bytesSentPerStep(), actual.bytesSentPerStep(), "bytes sent per step");
  }

  /**
   * The fit took the row pull for the factors and linear weights: a shipped model would send its
   * whole float32 value (2^17 x (1 + k) x 4 bytes, 2.5 MiB) at the first step and at every new base;
   * the pull sends only the rows the 240-row batch touches (about 8 per row), widened to double.
   */
  @Test
  @Order(0)
  void theReferenceFitPullsRowsAndLearns() {
    long modelBytes = (long) CLICKS.numFeatures() * (1 + FACTOR_SIZE) * Float.BYTES;
    for (int i = 0; i < STEPS; i++) {
      long sent = reference.bytesSentPerStep()[i];
      assertTrue(sent > 0 && sent < modelBytes / 16, "step " + (i + 1) + " sent " + sent + " bytes; the model is "
          + modelBytes + " bytes and the batch touches at most 240 x 8 rows");
    }
    double[] losses = reference.result().lossHistory();
    for (double l : losses) {
      assertTrue(Double.isFinite(l), "loss history " + java.util.Arrays.toString(losses));
    }
    Tensor linear = reference.result().weights().get(FM.linearIndex());
    assertNotEquals(Tensor.zeros(DType.FLOAT32, CLICKS.numFeatures()), linear, "the linear weights were updated");
  }

  @Test
  @Order(1)
  void killedExecutorsWithoutACheckpointDirectory() {
    assertFalse(spark.sparkContext().getCheckpointDir().isDefined());
    // right after the cut of step 5 (the state restarts from the driver's copy), then in step 9 (the state
    // recomputed from that copy through steps 6-8, their gradient jobs rerun from their pulled rows)
    assertBitIdentical(reference, ExecutorKiller.during(cluster, spark, 2, 5, 8, RowPullExecutorLossTest::fit));
  }

  @Test
  @Order(2)
  void killedExecutorsWithAReliableCheckpointDirectory() {
    spark.sparkContext().setCheckpointDir(checkpoints.toString());
    // between the cuts of steps 5 and 10 (recomputed from the checkpoint of step 5), then in the first task of
    // the cut step 10
    assertBitIdentical(reference, ExecutorKiller.during(cluster, spark, 2, 7, 9, RowPullExecutorLossTest::fit));
  }
}
