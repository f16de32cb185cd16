package io.meshgrad.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.Datasets;
import io.meshgrad.SparkTestSession;
import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.metrics.StepStats;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Sharded training steps under task failures and over long runs. */
class DistributedStepTest {
  private static final BlockLoss LOSS = new BinaryLogisticLoss();
  private final SparkSession spark = SparkTestSession.get();

  /** Throws on the first attempt of the even data partitions' tasks (the test session allows 4 attempts). */
  static final class FailingFirstAttempt extends DatasetLoss {
    private final ModelLoss inner;

    FailingFirstAttempt(ModelLoss inner) {
      super(inner.regParam());
      this.inner = inner;
    }

    @Override
    public JavaRDD<PartialSums> partialSums(ShippedWeights weights, long step) {
      return inner.partialSums(weights, step).map(p -> {
        TaskContext task = TaskContext.get();
        if (task.attemptNumber() == 0 && task.partitionId() % 2 == 0) {
          throw new IllegalStateException("injected failure of the first attempt of partition " + task.partitionId());
        }
        return p;
      });
    }

    @Override
    public int numPartitions() {
      return inner.numPartitions();
    }

    @Override
    public boolean isRegularized(int position) {
      return inner.isRegularized(position);
    }

    @Override
    public JavaSparkContext sparkContext() {
      return inner.sparkContext();
    }
  }

  private record Run(List<Tensor> weights, List<Double> losses, long[] stepNanos) {}

  private Run train(TrainingData data, BatchPlan plan, boolean failing, int steps, int checkpointInterval) {
    Mesh mesh = Mesh.parse("batch=2,model=2");
    try (MeshRuntime rt = MeshRuntime.create(spark, mesh).setCheckpointInterval(checkpointInterval);
        ModelLoss linear = ModelLoss.linear(data, LOSS, plan, true, 1e-4)) {
      DatasetLoss loss = failing ? new FailingFirstAttempt(linear) : linear;
      Adagrad opt = Adagrad.builder().learningRate(0.3).useEma(true).emaMomentum(0.9).build();
      loss.bindSteps(opt);
      DVariable coef = rt.variable("coefficients", Tensor.zeros(DType.FLOAT32, data.numFeatures()));
      DVariable intercept = rt.variable("intercept", Tensor.zeros(DType.FLOAT32, 1), Layout.replicated(mesh, 1));
      List<Variable> vars = List.of(coef, intercept);
      List<Double> losses = new ArrayList<>();
      long[] nanos = new long[steps];
      for (int i = 0; i < steps; i++) {
        long t0 = System.nanoTime();
        losses.add(opt.minimize(loss, vars));
        nanos[i] = System.nanoTime() - t0;
      }
      return new Run(List.of(coef.read(), intercept.read(), opt.slot(coef, "accumulator").read(),
          opt.slot(coef, "average").read()), losses, nanos);
    }
  }

  private TrainingData a9a() {
    return TrainingData.from(Datasets.a9a(spark, "a9a"), "features", "label", null, 2, LOSS::validateLabel);
  }

  @Test
  void tasksThatFailOnceGiveBitIdenticalWeights() {
    try (TrainingData data = a9a()) {
      BatchPlan plan = BatchPlan.miniBatch(data.rowsPerPartition(), 2000, 7);
      Run clean = train(data, plan, false, 6, 4);
      Run retried = train(data, plan, true, 6, 4);
      assertEquals(clean.weights(), retried.weights());
      assertEquals(clean.losses(), retried.losses());
    }
  }

  @Test
  void aThousandStepsRunWithoutSlowingDown() {
    try (TrainingData data = a9a()) {
      BatchPlan plan = BatchPlan.miniBatch(data.rowsPerPartition(), 64, 3);
      Run run = train(data, plan, false, 1000, 10);
      assertEquals(1000, run.losses().size());
      double early = median(Arrays.copyOfRange(run.stepNanos(), 100, 200));
      double late = median(Arrays.copyOfRange(run.stepNanos(), 900, 1000));
      // Lineage growing with every step would make late steps several times slower; the bound is
      // loose on purpose: this checks the truncation, it is not a benchmark.
      assertTrue(late < 2.5 * early, "median step time grew from " + early / 1e6 + " ms to " + late / 1e6 + " ms");
      assertTrue(run.losses().get(999) < run.losses().get(0), "the loss must go down");
    }
  }

  private static double median(long[] values) {
    long[] v = values.clone();
    Arrays.sort(v);
    return v[v.length / 2];
  }

  @Test
  void bothPathsReportTheSameStepStats() {
    try (TrainingData data = a9a()) {
      BatchPlan plan = BatchPlan.miniBatch(data.rowsPerPartition(), 1000, 5);
      Mesh mesh = Mesh.parse("batch=2,model=2");
      StepStats local;
      StepStats sharded;
      try (ModelLoss loss = ModelLoss.linear(data, LOSS, plan, true, 0.01)) {
        Adagrad opt = Adagrad.builder().learningRate(0.3).build();
        loss.bindSteps(opt);
        opt.minimize(loss, List.of(new Variable("c", Tensor.filled(DType.FLOAT64, 0.01, 123)),
            new Variable("b", Tensor.zeros(DType.FLOAT64, 1))));
        local = loss.lastStepStats();
      }
      try (MeshRuntime rt = MeshRuntime.create(spark, mesh);
          ModelLoss loss = ModelLoss.linear(data, LOSS, plan, true, 0.01)) {
        Adagrad opt = Adagrad.builder().learningRate(0.3).build();
        loss.bindSteps(opt);
        opt.minimize(loss, List.of(rt.variable("c", Tensor.filled(DType.FLOAT64, 0.01, 123)),
            rt.variable("b", Tensor.zeros(DType.FLOAT64, 1), Layout.replicated(mesh, 1))));
        sharded = loss.lastStepStats();
      }
      assertEquals(plan.rowsInStep(0), local.examples());
      assertEquals(local.examples(), sharded.examples());
      assertEquals(local.loss(), sharded.loss(), 1e-12);
      assertEquals(local.gradientNorm(), sharded.gradientNorm(), 1e-12);
      assertEquals(local.variableGradientNorms()[0], sharded.variableGradientNorms()[0], 1e-12);
      assertEquals(local.variableGradientNorms()[1], sharded.variableGradientNorms()[1], 1e-12);
      assertEquals(local.gradientMaxAbs(), sharded.gradientMaxAbs(), 1e-15);
      assertEquals(8 * 124, local.bytesBroadcast());
      assertEquals(local.bytesBroadcast(), sharded.bytesBroadcast());
      assertTrue(sharded.bytesAggregated() > 0 && sharded.bytesToDriver() == 8 * 124, sharded.toString());
    }
  }

  /** a9a's first rows with their 123 features spread over {@code 2^20} dimensions (sorted, distinct). */
  private TrainingData spreadA9a(int rows) {
    return TrainingData.from(Datasets.spreadA9a(spark, rows, 1 << 20, 8191), "features", "label", null, 2,
        LOSS::validateLabel);
  }

  @Test
  void aSparseHighDimensionalModelShipsOnlyWhatChangesAndBothPathsAgree() {
    int dim = 1 << 20;
    int steps = 12;
    try (TrainingData data = spreadA9a(3000)) {
      BatchPlan plan = BatchPlan.miniBatch(data.rowsPerPartition(), 100, 11);
      List<StepStats> local = new ArrayList<>();
      List<StepStats> sharded = new ArrayList<>();
      List<Tensor> localWeights;
      List<Tensor> shardedWeights;
      try (ModelLoss loss = ModelLoss.linear(data, LOSS, plan, true, 0.0)) {
        Adagrad opt = Adagrad.builder().learningRate(0.3).build();
        loss.bindSteps(opt);
        List<Variable> vars = List.of(new Variable("c", Tensor.zeros(DType.FLOAT32, dim)),
            new Variable("b", Tensor.zeros(DType.FLOAT32, 1)));
        for (int i = 0; i < steps; i++) {
          opt.minimize(loss, vars);
          local.add(loss.lastStepStats());
        }
        localWeights = List.of(vars.get(0).read(), vars.get(1).read());
      }
      Mesh mesh = Mesh.parse("batch=2,model=2");
      try (MeshRuntime rt = MeshRuntime.create(spark, mesh).setCheckpointInterval(5);
          ModelLoss loss = ModelLoss.linear(data, LOSS, plan, true, 0.0)) {
        Adagrad opt = Adagrad.builder().learningRate(0.3).build();
        loss.bindSteps(opt);
        List<Variable> vars = List.of(rt.variable("c", Tensor.zeros(DType.FLOAT32, dim)),
            rt.variable("b", Tensor.zeros(DType.FLOAT32, 1), Layout.replicated(mesh, 1)));
        for (int i = 0; i < steps; i++) {
          opt.minimize(loss, vars);
          sharded.add(loss.lastStepStats());
        }
        shardedWeights = List.of(vars.get(0).read(), vars.get(1).read());
      }
      assertEquals(localWeights, shardedWeights, "driver-held and sharded steps give the same weights");
      long full = 4L * (dim + 1);
      for (int i = 0; i < steps; i++) {
        StepStats l = local.get(i);
        StepStats m = sharded.get(i);
        // 100 rows of ~14 features touch at most ~1,400 coefficients: a few kB, not the 4 MB model
        long small = 12L * 1500 + 16;
        assertTrue(l.bytesAggregated() < small && m.bytesAggregated() < small, "step " + i + " partials: " + l + " / " + m);
        assertTrue(m.bytesToDriver() < small, "step " + i + " new values to the driver: " + m);
        if (i > 0) {
          assertTrue(l.bytesBroadcast() < small && m.bytesBroadcast() < small, "step " + i + " weights shipped: " + l + " / " + m);
        } else {
          assertEquals(full, l.bytesBroadcast(), "the first step ships the whole (float32) model");
        }
      }
    }
  }
}
