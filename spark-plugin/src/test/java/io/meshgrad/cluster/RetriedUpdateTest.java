package io.meshgrad.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.Datasets;
import io.meshgrad.FlakyAdagrad;
import io.meshgrad.FlakyAdagrad.Failure;
import io.meshgrad.SparkTestSession;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.tensor.DType;
import io.meshgrad.train.MeshTrainer;
import io.meshgrad.train.TrainingResult;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.apache.log4j.Level;
import org.apache.log4j.Logger;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A task of the shard-update stage that fails after it has updated its shard is retried (the
 * shared session is {@code local[2,4]}: 4 attempts per task) without the update being applied
 * twice: the weights are bit-identical to the run without failures. Two places of failure: right
 * after the optimizer's update (the new shard not yet cached), and at the very end of the task
 * (the new shard cached, the task's result computed).
 */
class RetriedUpdateTest {
  private static final BlockLoss LOSS = new BinaryLogisticLoss();
  private static final Mesh MESH = Mesh.parse("batch=2,model=2");
  private static final int STEPS = 8;
  private static final String[] TASK_FAILURE_LOGGERS = {
    "org.apache.spark.executor.Executor", "org.apache.spark.scheduler.TaskSetManager",
    "org.apache.spark.storage.DiskBlockObjectWriter", "org.apache.spark.util.Utils"
  };

  private static SparkSession spark;
  private static TrainingData data;

  @BeforeAll
  static void load() {
    for (String name : TASK_FAILURE_LOGGERS) {
      Logger.getLogger(name).setLevel(Level.OFF);
    }
    spark = SparkTestSession.get();
    data = TrainingData.from(Datasets.a9a(spark, "a9a"), "features", "label", null, MESH.batchSize(),
        LOSS::validateLabel);
  }

  @AfterAll
  static void release() {
    if (data != null) {
      data.close();
    }
    for (String name : TASK_FAILURE_LOGGERS) {
      Logger.getLogger(name).setLevel(null);
    }
  }

  /** Counts failed task attempts while it is registered. */
  private static final class FailedTasks extends SparkListener {
    final AtomicInteger count = new AtomicInteger();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
      if (end.reason() instanceof TaskFailedReason) {
        count.incrementAndGet();
      }
    }
  }

  private static TrainingResult fit(Optimizer opt, int checkpointInterval) {
    MeshTrainer.Settings s = new MeshTrainer.Settings(MESH, DType.FLOAT32, STEPS, 0, 3000, 23L, true, 1e-4, 0.0, 2,
        checkpointInterval);
    return MeshTrainer.fit(spark, data, LOSS, opt, s, null);
  }

  private static void assertBitIdentical(TrainingResult expected, TrainingResult actual, String what) {
    assertEquals(expected.coefficients(), actual.coefficients(), what + ": coefficients");
    assertEquals(expected.intercept(), actual.intercept(), what + ": intercept");
    assertArrayEquals(expected.lossHistory(), actual.lossHistory(), what + ": loss history");
  }

  private static void check(UnaryOperator<FlakyAdagrad.Builder> config) throws Exception {
    TrainingResult clean = fit(new FlakyAdagrad(config, Failure.NONE), 3);
    for (Failure f : List.of(Failure.AFTER_UPDATE, Failure.END_OF_TASK)) {
      FailedTasks failed = new FailedTasks();
      spark.sparkContext().addSparkListener(failed);
      TrainingResult retried;
      try {
        retried = fit(new FlakyAdagrad(config, f), 3);
      } finally {
        spark.sparkContext().removeSparkListener(failed);
      }
      // one failed attempt per updated shard (3 per step) at least; the listener bus is asynchronous
      SparkTestSession.get().sparkContext().listenerBus().waitUntilEmpty(10_000);
      assertTrue(failed.count.get() >= 3 * STEPS, f + ": only " + failed.count.get() + " failed attempts");
      System.out.printf("%s: %d failed attempts, %.1f s (without failures %.1f s)%n", f, failed.count.get(),
          retried.wallSeconds(), clean.wallSeconds());
      assertBitIdentical(clean, retried, f.toString());
    }
  }

  @Test
  void fitsAsAdagrad() {
    TrainingResult adagrad = fit(Adagrad.builder().learningRate(0.3).useEma(true).emaMomentum(0.9).build(), 3);
    TrainingResult copy = fit(new FlakyAdagrad(b -> b.learningRate(0.3).useEma(true).emaMomentum(0.9), Failure.NONE), 3);
    assertBitIdentical(adagrad, copy, "FlakyAdagrad without failures vs Adagrad");
  }

  @Test
  void retriedUpdateTasksApplyTheirUpdateOnce() throws Exception {
    check(b -> b.learningRate(0.3).useEma(true).emaMomentum(0.9));
  }

  @Test
  void retriedUpdateTasksApplyTheirUpdateOnceWithNormClipping() throws Exception {
    // two jobs per step; the gradients are cached between them
    check(b -> b.learningRate(0.3).clipnorm(0.5));
  }
}
