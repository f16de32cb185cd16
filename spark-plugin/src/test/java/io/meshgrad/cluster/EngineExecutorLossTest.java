package io.meshgrad.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.Datasets;
import io.meshgrad.data.SyntheticClicks;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.model.FactorizationMachine;
import io.meshgrad.model.LinearModel;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.runtime.MeshRuntime;
import io.meshgrad.tensor.DType;
import io.meshgrad.testing.StandaloneCluster;
import io.meshgrad.train.MeshTrainer;
import io.meshgrad.train.StepListener;
import io.meshgrad.train.TrainingResult;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -9} of executor JVMs of a real standalone cluster (2 workers x 1 core) while a fit
 * runs on the many-steps-per-job engine: one kill between two jobs, one while a task of a later
 * barrier job runs. The failed job is submitted again from the state at its start, and the weights
 * and loss history are bit-identical to the job-per-step fit on the same cluster without kills.
 * Driver-held ({@code batch=2}) and sharded ({@code batch=2,model=2}: a linear model on a9a, whose
 * state between jobs lives only on the executors (the barrier stage's shuffled output, cut by a
 * checkpoint every 10 steps), so that the kill between jobs loses a job's output; and an FM whose
 * 2^17-row tables take the row-sparse pull).
 */
@Tag("cluster")
class EngineExecutorLossTest {
  private static final BlockLoss LOSS = new BinaryLogisticLoss();
  private static final Mesh MESH = Mesh.parse("batch=2");
  private static final Mesh SHARDED = Mesh.parse("batch=2,model=2");
  private static final int STEPS = 20;
  private static final int FACTOR_SIZE = 4;
  private static final SyntheticClicks CLICKS = SyntheticClicks.builder().seed(41).hashBits(17).fields(8)
      .valuesPerField(20_000).factorSize(FACTOR_SIZE).build();
  private static final FactorizationMachine FM = new FactorizationMachine(CLICKS.numFeatures(), FACTOR_SIZE, true,
      true, 0.05, new BinaryLogisticLoss());

  private static StandaloneCluster cluster;
  private static SparkSession spark;
  private static TrainingData data;
  private static TrainingData clicks;

  @BeforeAll
  static void startCluster() {
    cluster = StandaloneCluster.start(2, 1, Map.of(), Map.of());
    spark = ClusterSession.start(cluster, "meshgrad-engine-executor-loss", 2, Map.of());
    data = TrainingData.from(Datasets.a9a(spark, "a9a"), "features", "label", null, MESH.batchSize(),
        LOSS::validateLabel);
  }

  @AfterAll
  static void stopCluster() {
    try {
      if (data != null) {
        data.close();
      }
      if (clicks != null) {
        clicks.close();
      }
      ClusterSession.stop(spark);
    } finally {
      if (cluster != null) {
        List<Long> pids = cluster.pids();
        cluster.close();
        assertFalse(cluster.anyAlive(), "processes of the test cluster still alive: " + pids);
      }
    }
  }

  private static TrainingResult fit(int stepsPerJob, StepListener listener) {
    return fit(MESH, stepsPerJob, listener);
  }

  private static TrainingResult fit(Mesh mesh, int stepsPerJob, StepListener listener) {
    MeshTrainer.Settings s = new MeshTrainer.Settings(mesh, DType.FLOAT32, STEPS, 0, 4096, 5L, true, 1e-4, 0.0, 2, 5);
    Adagrad opt = Adagrad.builder().learningRate(0.3).useEma(true).emaMomentum(0.9).globalClipnorm(1.0).build();
    return MeshTrainer.fit(spark, data, new LinearModel(LOSS, data.numFeatures(), true), opt, s,
        MeshTrainer.Controls.none().withStepsPerJob(stepsPerJob), listener);
  }

  /** The FM on the clicks, 240-row batches: its 2^17-row linear weights and factors take the row-sparse pull. */
  private static TrainingResult fitClicks(int stepsPerJob, StepListener listener) {
    MeshTrainer.Settings s = new MeshTrainer.Settings(SHARDED, DType.FLOAT32, STEPS, 0, 240, 9L, true, 1e-3, 0.0, 2,
        5);
    Adagrad opt = Adagrad.builder().learningRate(0.2).useEma(true).emaMomentum(0.9).globalClipnorm(1.0).build();
    return MeshTrainer.fit(spark, clicks, FM, opt, s, MeshTrainer.Controls.none().withStepsPerJob(stepsPerJob),
        listener);
  }

  private static void assertBitIdentical(TrainingResult expected, TrainingResult actual, int variables) {
    assertEquals(variables, actual.weights().size(), "variables");
    for (int v = 0; v < variables; v++) {
      assertEquals(expected.weights().get(v), actual.weights().get(v), "variable " + v);
    }
    assertArrayEquals(expected.lossHistory(), actual.lossHistory(), "loss history");
    assertEquals(STEPS, actual.steps());
  }

  @Test
  void killedExecutorsBetweenAndDuringEngineJobsLeaveTheResultBitIdentical() {
    TrainingResult reference = fit(1, null);
    // jobs of steps 1-5, 6-10, 11-15, 16-20: the first kill after job 1, the second in a task of job 4
    TrainingResult killed = ExecutorKiller.during(cluster, spark, 2, 5, 12, listener -> fit(5, listener));
    assertEquals(reference.weights(), killed.weights(), "weights");
    assertArrayEquals(reference.lossHistory(), killed.lossHistory(), "loss history");
    assertEquals(STEPS, killed.steps());
  }

  /** Sharded, with a lineage cut (a checkpoint) every 10 steps: the output of a job in between lives only on executors. */
  private static TrainingResult fitSharded(int stepsPerJob, StepListener listener) {
    MeshTrainer.Settings s = new MeshTrainer.Settings(SHARDED, DType.FLOAT32, STEPS, 0, 4096, 5L, true, 1e-4, 0.0, 2,
        10);
    Adagrad opt = Adagrad.builder().learningRate(0.3).useEma(true).emaMomentum(0.9).globalClipnorm(1.0).build();
    return MeshTrainer.fit(spark, data, new LinearModel(LOSS, data.numFeatures(), true), opt, s,
        MeshTrainer.Controls.none().withStepsPerJob(stepsPerJob), listener);
  }

  @Test
  void killedExecutorsBetweenAndDuringShardedEngineJobsLeaveTheResultBitIdentical(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    spark.sparkContext().setCheckpointDir(dir.toString());
    TrainingResult reference = fitSharded(1, null);
    // jobs of steps 1-5, 6-10 (a checkpoint at its end), 11-15, 16-20: the first kill loses job 1's
    // output, which Spark recomputes by running that job's barrier stage again inside job 2
    TrainingResult killed = ExecutorKiller.during(cluster, spark, 2, 5, 12, listener -> fitSharded(5, listener));
    assertBitIdentical(reference, killed, 2);
  }

  @Test
  void killedExecutorsDuringAShardedEngineFitWithTheRowPullLeaveTheResultBitIdentical() {
    assertTrue(CLICKS.numFeatures() >= MeshRuntime.DEFAULT_ROW_PULL_MIN_ROWS,
        "the FM's tables must reach the default row-pull threshold");
    clicks = TrainingData.from(CLICKS.dataFrame(spark, 3000, 2), "features", "label", null, SHARDED.batchSize(),
        FM::validateLabel);
    TrainingResult reference = fitClicks(1, null);
    // the first kill after the job of steps 1-4, the second in a task of the job of steps 13-16
    TrainingResult killed = ExecutorKiller.during(cluster, spark, 2, 4, 9, listener -> fitClicks(4, listener));
    assertBitIdentical(reference, killed, FM.variables().size());
  }
}
