package io.meshgrad.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.Datasets;
import io.meshgrad.SparkTestSession;
import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.model.BlockModel;
import io.meshgrad.model.FactorizationMachine;
import io.meshgrad.model.LinearModel;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.DVariable;
import io.meshgrad.runtime.MeshRuntime;
import io.meshgrad.runtime.ModelLoss;
import io.meshgrad.runtime.engine.StepEngine;
import io.meshgrad.schedule.ExponentialDecay;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The many-steps-per-job engine on sharded variables ({@code batch=2,model=2}: the coefficients
 * in 2 shards, the intercept replicated; 2 data partitions, so 2 barrier tasks on {@code
 * local[2]}) through {@link MeshTrainer}: bit for bit the job-per-step path's weights and losses,
 * linear and FM, float32 and float64, with clipping, EMA and its overwrite, weight decay and a
 * schedule, retried jobs included; and the row-sparse pull, which the engine does not run yet,
 * named in one line.
 */
class ShardedEngineFitTest {
  private static final BlockLoss LOSS = new BinaryLogisticLoss();
  private static final String MESH = "batch=2,model=2";
  private static final int STEPS = 7;

  @AfterAll
  static void noCachedRddLeft() {
    SparkSession spark = SparkTestSession.get();
    assertEquals(0, spark.sparkContext().getPersistentRDDs().size(),
        "training left cached RDDs: " + spark.sparkContext().getPersistentRDDs());
  }

  private static TrainingResult fit(DType dtype, Supplier<Optimizer> optimizer, BlockModel model, int stepsPerJob,
      List<Long> stepsSeen) {
    SparkSession spark = SparkTestSession.get();
    Mesh m = Mesh.parse(MESH);
    try (TrainingData data = TrainingData.from(Datasets.a9a(spark, "a9a"), "features", "label", null,
        m.batchSize(), LOSS::validateLabel)) {
      MeshTrainer.Settings s = new MeshTrainer.Settings(m, dtype, STEPS, 0, 512, 7L, true, 0.01, 0, 2, 4);
      MeshTrainer.Controls c = MeshTrainer.Controls.none().withStepsPerJob(stepsPerJob);
      StepListener listener = (step, total, epoch, loss) -> stepsSeen.add(step);
      return MeshTrainer.fit(spark, data, model == null ? new LinearModel(LOSS, data.numFeatures(), true) : model,
          optimizer.get(), s, c, listener);
    }
  }

  private static void assertSameFit(TrainingResult jobPerStep, TrainingResult engine, String what) {
    assertEquals(jobPerStep.weights(), engine.weights(), what + ": weights");
    assertArrayEquals(jobPerStep.lossHistory(), engine.lossHistory(), 0.0, what + ": loss history");
    assertEquals(jobPerStep.steps(), engine.steps(), what + ": steps");
  }

  /** Job descriptions of the step jobs, and the failed jobs, while watched. */
  private static final class Jobs extends SparkListener {
    final List<String> descriptions = java.util.Collections.synchronizedList(new ArrayList<>());
    final java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();

    static Jobs watch() {
      Jobs j = new Jobs();
      SparkTestSession.get().sparkContext().addSparkListener(j);
      return j;
    }

    void stop() {
      SparkSession spark = SparkTestSession.get();
      try {
        spark.sparkContext().listenerBus().waitUntilEmpty();
      } catch (java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException(e);
      } finally {
        spark.sparkContext().removeSparkListener(this);
      }
    }

    @Override
    public void onJobStart(SparkListenerJobStart start) {
      String d = start.properties() == null ? null : start.properties().getProperty("spark.job.description");
      if (d != null && d.startsWith("meshgrad step")) {
        descriptions.add(d);
      }
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd end) {
      if (!(end.jobResult() instanceof org.apache.spark.scheduler.JobSucceeded$)) {
        failed.incrementAndGet();
      }
    }
  }

  private static void compare(String what, DType dtype, Supplier<Optimizer> optimizer, BlockModel model) {
    List<Long> reference = new ArrayList<>();
    List<Long> engineSteps = new ArrayList<>();
    TrainingResult a = fit(dtype, optimizer, model, 1, reference);
    Jobs jobs = Jobs.watch();
    TrainingResult b;
    try {
      b = fit(dtype, optimizer, model, 3, engineSteps);
    } finally {
      jobs.stop();
    }
    assertSameFit(a, b, what + " " + dtype);
    assertEquals(reference, engineSteps, what + ": the listener hears of every step, in order");
    assertEquals(List.of("meshgrad steps 1-3/7", "meshgrad steps 4-6/7", "meshgrad steps 7-7/7"),
        new ArrayList<>(jobs.descriptions), what + ": one job per 3 steps");
  }

  @Test
  void linearOnShardedVariablesIsBitIdenticalWithClippingEmaWeightDecayAndASchedule() {
    for (DType dtype : DType.values()) {
      compare("clipnorm, EMA with overwrite, weight decay", dtype, () -> Adagrad.builder().learningRate(0.5)
          .clipnorm(0.05).useEma(true).emaMomentum(0.9).emaOverwriteFrequency(3).weightDecay(0.01).build(), null);
      compare("global_clipnorm, schedule", dtype, () -> Adagrad.builder()
          .learningRate(new ExponentialDecay(0.5, 2, 0.9)).globalClipnorm(0.1).build(), null);
    }
  }

  @Test
  void factorizationMachineOnShardedVariablesIsBitIdentical() {
    for (DType dtype : DType.values()) {
      compare("FM, clipnorm, EMA", dtype, () -> Adagrad.builder().learningRate(0.2).clipnorm(0.5).useEma(true)
          .build(), new FactorizationMachine(123, 3, true, true, 0.1, new BinaryLogisticLoss()));
    }
  }

  @Test
  void aFailedTaskResubmitsTheShardedJobFromItsStart() {
    SparkSession spark = SparkTestSession.get();
    Supplier<Optimizer> opt = () -> Adagrad.builder().learningRate(0.5).globalClipnorm(0.05).build();
    TrainingResult reference = fit(DType.FLOAT32, opt, null, 1, new ArrayList<>());
    spark.sparkContext().setLocalProperty(StepEngine.FAIL_RANK_PROPERTY, "1");
    try {
      Jobs jobs = Jobs.watch();
      TrainingResult retried;
      try {
        retried = fit(DType.FLOAT32, opt, null, 4, new ArrayList<>());
      } finally {
        jobs.stop();
      }
      assertSameFit(reference, retried, "after task failures");
      assertEquals(2, jobs.failed.get(), "the first attempt of each of the 2 jobs failed");
      assertEquals(List.of("meshgrad steps 1-4/7", "meshgrad steps 1-4/7", "meshgrad steps 5-7/7",
          "meshgrad steps 5-7/7"), new ArrayList<>(jobs.descriptions));
    } finally {
      spark.sparkContext().setLocalProperty(StepEngine.FAIL_RANK_PROPERTY, null);
    }
  }

  @Test
  void theRowSparsePullIsNamedInOneLine() {
    SparkSession spark = SparkTestSession.get();
    Mesh mesh = Mesh.parse(MESH);
    try (TrainingData data = TrainingData.from(Datasets.a9a(spark, "a9a"), "features", "label", null,
        mesh.batchSize(), LOSS::validateLabel);
        ModelLoss loss = new ModelLoss(data, new LinearModel(LOSS, data.numFeatures(), true),
            BatchPlan.miniBatch(data.rowsPerPartition(), 512, 7L), 0.0)) {
      for (int minRows : new int[] {1, MeshRuntime.DEFAULT_ROW_PULL_MIN_ROWS}) {
        try (MeshRuntime runtime = MeshRuntime.create(spark, mesh).setRowPullMinRows(minRows)) {
          DVariable coef = runtime.variable("coefficients", Tensor.zeros(DType.FLOAT32, data.numFeatures()),
              Layout.defaultFor(mesh, 1));
          DVariable intercept = runtime.variable("intercept", Tensor.zeros(DType.FLOAT32, 1),
              Layout.replicated(mesh, 1));
          List<Variable> vars = List.of(coef, intercept);
          if (minRows == 1) {
            assertEquals("the engine does not run the row-sparse pull yet, and variable coefficients [123] takes it "
                + "(123 rows >= rowPullMinRows 1)", runtime.whyNotEngine(loss, vars));
          } else {
            assertNull(runtime.whyNotEngine(loss, vars));
          }
        }
      }
    }
    assertTrue(true);
  }
}
