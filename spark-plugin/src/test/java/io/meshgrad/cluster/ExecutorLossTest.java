package io.meshgrad.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.Datasets;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.tensor.DType;
import io.meshgrad.train.MeshTrainer;
import io.meshgrad.train.StepListener;
import io.meshgrad.train.TrainingData;
import io.meshgrad.train.TrainingResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
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
 * <p>Two kills per fit: one between steps (from a {@link StepListener}), one while a task of the
 * following steps runs on the victim (from a {@link SparkListener}). The second kill usually
 * leaves no executor at all until the Workers start replacements, so every cached block (the
 * training data, the state shards, the shuffle files) is gone and must be recomputed.
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
    try {
      if (data != null) {
        data.close();
      }
      ClusterSession.stop(spark);
    } finally {
      StandaloneCluster.deleteRecursively(checkpoints);
      if (cluster != null) {
        List<Long> pids = cluster.pids();
        cluster.close();
        assertFalse(cluster.anyAlive(), "processes of the test cluster still alive: " + pids);
      }
    }
  }

  private static TrainingResult fit(StepListener listener) {
    MeshTrainer.Settings s = new MeshTrainer.Settings(MESH, DType.FLOAT32, STEPS, 0, 4096, 5L, true, 1e-4, 0.0, 2, 5);
    Adagrad opt = Adagrad.builder().learningRate(0.3).useEma(true).emaMomentum(0.9).globalClipnorm(1.0).build();
    return MeshTrainer.fit(spark, data, LOSS, opt, s, listener);
  }

  /** Kills executors during a fit: after step {@code killBetween}, and in a task once step {@code killDuring} is done. */
  private static final class Killer extends SparkListener implements StepListener {
    private final String appId = spark.sparkContext().applicationId();
    private final long killBetween;
    private final long killDuring;
    private final AtomicBoolean armed = new AtomicBoolean();
    final List<String> kills = Collections.synchronizedList(new ArrayList<>());

    Killer(long killBetween, long killDuring) {
      this.killBetween = killBetween;
      this.killDuring = killDuring;
    }

    @Override
    public void onStep(long step, long totalSteps, long epoch, double loss) {
      if (step == killBetween) {
        Map<String, ProcessHandle> executors = cluster.executors(appId);
        Map<String, Integer> blocks = ClusterSession.rddBlocksByExecutor();
        String victim = executors.keySet().stream()
            .max((a, b) -> Integer.compare(blocks.getOrDefault(a, 0), blocks.getOrDefault(b, 0)))
            .orElseThrow(() -> new AssertionError("no executor of " + appId + " found"));
        kill(victim, executors.get(victim), blocks.getOrDefault(victim, 0), "between steps " + step + " and " + (step + 1));
      }
      if (step == killDuring) {
        armed.set(true);
      }
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart event) {
      if (armed.compareAndSet(true, false)) {
        String victim = event.taskInfo().executorId();
        ProcessHandle ph = cluster.executors(appId).get(victim);
        if (ph == null) {
          armed.set(true);
          return;
        }
        kill(victim, ph, ClusterSession.rddBlocksByExecutor().getOrDefault(victim, 0),
            "while it runs task " + event.taskInfo().taskId() + " of stage " + event.stageId());
      }
    }

    private void kill(String id, ProcessHandle ph, int blocks, String when) {
      ph.destroyForcibly(); // SIGKILL
      try {
        ph.onExit().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError("executor " + id + " (pid " + ph.pid() + ") did not die", e);
      }
      String what = "executor " + id + " (pid " + ph.pid() + ", " + blocks + " cached RDD blocks) " + when;
      System.out.println("killed " + what);
      kills.add(what);
    }
  }

  private static TrainingResult fitWithKills() {
    Killer killer = new Killer(7, 16);
    spark.sparkContext().addSparkListener(killer);
    long t0 = System.nanoTime();
    TrainingResult r;
    try {
      r = fit(killer);
    } finally {
      spark.sparkContext().removeSparkListener(killer);
    }
    System.out.printf("fit with kills: %.1f s, %s%n", (System.nanoTime() - t0) / 1e9, killer.kills);
    assertEquals(2, killer.kills.size(), "kills: " + killer.kills);
    assertTrue(killer.kills.get(0).matches(".*, [1-9]\\d* cached RDD blocks\\).*"),
        "the first victim must have held cached blocks: " + killer.kills.get(0));
    // leave the cluster whole for the next test
    ClusterSession.awaitExecutors(cluster, spark, 2, Duration.ofSeconds(90));
    cluster.await("2 live executor JVMs", Duration.ofSeconds(90),
        () -> cluster.executors(spark.sparkContext().applicationId()).size() == 2);
    return r;
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
