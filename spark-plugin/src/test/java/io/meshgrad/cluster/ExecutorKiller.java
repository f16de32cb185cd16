package io.meshgrad.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.testing.StandaloneCluster;
import io.meshgrad.train.StepListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;

/**
 * {@code kill -9} of executor JVMs of a {@link StandaloneCluster} during a fit: after step
 * {@code killBetween} the executor holding the most cached RDD blocks (from the fit's {@link
 * StepListener}), and once step {@code killDuring} is done the executor that starts the next task
 * (from a {@link SparkListener}), while that task runs. The second kill usually leaves no executor
 * at all until the Workers start replacements, so every cached block and shuffle file is gone.
 */
final class ExecutorKiller extends SparkListener implements StepListener {
  private final StandaloneCluster cluster;
  private final String appId;
  private final long killBetween;
  private final long killDuring;
  private final AtomicBoolean armed = new AtomicBoolean();
  private final List<String> kills = Collections.synchronizedList(new ArrayList<>());

  private ExecutorKiller(StandaloneCluster cluster, SparkSession spark, long killBetween, long killDuring) {
    this.cluster = cluster;
    this.appId = spark.sparkContext().applicationId();
    this.killBetween = killBetween;
    this.killDuring = killDuring;
  }

  /**
   * Runs {@code fit} (given the step listener to pass to the fit) with the two kills, checks that
   * both happened and that the first victim held cached blocks, and waits until the cluster has its
   * {@code executors} executors again, so that the next fit starts on a whole cluster.
   */
  static <T> T during(StandaloneCluster cluster, SparkSession spark, int executors, long killBetween,
      long killDuring, Function<StepListener, T> fit) {
    ExecutorKiller killer = new ExecutorKiller(cluster, spark, killBetween, killDuring);
    spark.sparkContext().addSparkListener(killer);
    long t0 = System.nanoTime();
    T result;
    try {
      result = fit.apply(killer);
    } finally {
      spark.sparkContext().removeSparkListener(killer);
    }
    System.out.printf("fit with kills: %.1f s, %s%n", (System.nanoTime() - t0) / 1e9, killer.kills);
    assertEquals(2, killer.kills.size(), "kills: " + killer.kills);
    assertTrue(killer.kills.get(0).matches(".*, [1-9]\\d* cached RDD blocks\\).*"),
        "the first victim must have held cached blocks: " + killer.kills.get(0));
    ClusterSession.awaitExecutors(cluster, spark, executors, Duration.ofSeconds(90));
    cluster.await(executors + " live executor JVMs", Duration.ofSeconds(90),
        () -> cluster.executors(spark.sparkContext().applicationId()).size() == executors);
    return result;
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
