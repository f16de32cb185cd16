package io.meshgrad.train;

import static io.meshgrad.train.EngineFits.LOSS;
import static io.meshgrad.train.EngineFits.assertSameFit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshgrad.Datasets;
import io.meshgrad.SparkTestSession;
import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
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
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The many-steps-per-job engine on sharded variables ({@code batch=2,model=2}: the coefficients
 * in 2 shards, the intercept replicated; 2 data partitions, so 2 barrier tasks on {@code
 * local[2]}) through {@link MeshTrainer}: bit for bit the job-per-step path's weights and losses,
 * linear and FM, float32 and float64, with clipping, EMA and its overwrite, weight decay and a
 * schedule, retried jobs included; and with the row-sparse pull, on a runtime directly (a9a's 123
 * features are below the default threshold of a fit).
 */
class ShardedEngineFitTest {
  private static final String MESH = "batch=2,model=2";

  @AfterAll
  static void noCachedRddLeft() {
    EngineFits.assertNoCachedRdd();
  }

  private static TrainingResult fit(DType dtype, Supplier<Optimizer> optimizer, BlockModel model, int stepsPerJob,
      List<Long> stepsSeen) {
    return EngineFits.fit(MESH, dtype, optimizer, model, 0, 4, stepsPerJob, stepsSeen);
  }

  private static void compare(String what, DType dtype, Supplier<Optimizer> optimizer, BlockModel model) {
    EngineFits.compare(what, dtype, (stepsPerJob, seen) -> fit(dtype, optimizer, model, stepsPerJob, seen));
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
    Supplier<Optimizer> opt = () -> Adagrad.builder().learningRate(0.5).globalClipnorm(0.05).build();
    TrainingResult reference = fit(DType.FLOAT32, opt, null, 1, new ArrayList<>());
    // rank 1 fails after its first step in the first attempt of each job: only a resubmission finishes the fit
    FailsAfterFirstEngineStep failing = new FailsAfterFirstEngineStep(new LinearModel(LOSS, 123, true), 1);
    StepJobs jobs = StepJobs.watch();
    TrainingResult retried;
    try {
      retried = fit(DType.FLOAT32, opt, failing, 4, new ArrayList<>());
    } finally {
      jobs.stop();
    }
    assertSameFit(reference, retried, "after task failures");
    assertEquals(2, jobs.failed.get(), "the first attempt of each of the 2 jobs failed");
    assertEquals(2, failing.failures(), "the failures were the injected ones, one per job");
    assertEquals(List.of("meshgrad steps 1-4/7", "meshgrad steps 1-4/7", "meshgrad steps 5-7/7",
        "meshgrad steps 5-7/7"), jobs.stepJobs());
  }

  /** Early stopping's validation after each epoch and optimizer checkpoints every 3 steps on sharded variables. */
  @Test
  void jobsEndAtEpochsAndCheckpointsOnShardedVariables(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    EngineFits.EpochFits fits = EngineFits.fitsEndingAtEpochsAndCheckpoints(MESH, dir);
    TrainingResult[] results = fits.results();
    StepJobs jobs = fits.jobs();
    assertSameFit(results[0], results[1], "early stopping and checkpoints");
    assertArrayEquals(results[0].validationLossHistory(), results[1].validationLossHistory(), 0.0);
    assertEquals(List.of("meshgrad steps 1-3/7", "meshgrad steps 4-4/7", "meshgrad steps 5-6/7",
        "meshgrad steps 7-7/7"), jobs.stepJobs());
  }

  /**
   * 6 Adagrad steps of a linear model or an FM (k = 3) on a9a over batch=2,model=2,
   * taken on a {@link MeshRuntime} directly: by {@code Optimizer.minimize} (the job path) when
   * {@code perJob} is empty, else by the engine in jobs of the given lengths. Returns every
   * variable's value, then the losses as a tensor, and whether exactly the feature-indexed
   * variables were pulled.
   */
  private static Object[] onRuntime(boolean fm, DType dtype, int rowPullMinRows, double regParam,
      Supplier<Optimizer> optimizer, int... perJob) {
    SparkSession spark = SparkTestSession.get();
    Mesh mesh = Mesh.parse(MESH);
    BlockModel model = fm ? new FactorizationMachine(123, 3, true, true, 0.1, new BinaryLogisticLoss())
        : new LinearModel(LOSS, 123, true);
    try (TrainingData data = TrainingData.from(Datasets.a9a(spark, "a9a"), "features", "label", null,
        mesh.batchSize(), LOSS::validateLabel);
        ModelLoss loss = new ModelLoss(data, model, BatchPlan.miniBatch(data.rowsPerPartition(), 512, 7L), regParam);
        MeshRuntime runtime = MeshRuntime.create(spark, mesh).setRowPullMinRows(rowPullMinRows)
            .setCheckpointInterval(4)) {
      Optimizer opt = optimizer.get();
      loss.bindSteps(opt);
      List<Variable> vars = new ArrayList<>();
      for (int v = 0; v < model.variables().size(); v++) {
        io.meshgrad.model.VariableSpec spec = model.variables().get(v);
        Tensor initial = Tensor.fromDoubles(dtype, spec.initializer().values(spec.shape(), 31 + v), spec.shape());
        vars.add(runtime.variable(spec.name(), initial, spec.layout() == null
            ? Layout.defaultFor(mesh, spec.shape().length) : Layout.of(mesh, spec.layout())));
      }
      List<Double> losses = new ArrayList<>();
      if (perJob.length == 0) {
        for (int i = 0; i < 6; i++) {
          losses.add(opt.minimize(loss, vars));
        }
      } else {
        StepEngine engine = StepEngine.create(JavaSparkContext.fromSparkContext(spark.sparkContext()), loss);
        for (int k : perJob) {
          for (double l : engine.run(opt, vars, k, 6, 0, Double.NaN, false).losses()) {
            losses.add(l);
          }
        }
      }
      // the feature-indexed variables (coefficients; the FM's linear weights and factors) are pulled, the intercept not
      boolean pulled = true;
      for (int v = 0; v < vars.size(); v++) {
        pulled &= runtime.pullsRows((DVariable) vars.get(v)) == model.variables().get(v).featureIndexed();
      }
      List<Object> out = new ArrayList<>();
      for (Variable v : vars) {
        out.add(v.value());
      }
      out.add(Tensor.of(losses.stream().mapToDouble(Double::doubleValue).toArray(), losses.size()));
      out.add(pulled);
      return out.toArray();
    }
  }

  @Test
  void theRowSparsePullOnTheEngineIsBitIdentical() {
    for (boolean fm : new boolean[] {false, true}) {
      for (DType dtype : DType.values()) {
        Supplier<Optimizer> opt = () -> Adagrad.builder().learningRate(0.5).clipnorm(0.05).useEma(true)
            .emaOverwriteFrequency(4).build();
        double regParam = fm ? 0.0 : 0.01;
        Object[] jobPath = onRuntime(fm, dtype, 1, regParam, opt);
        Object[] engine = onRuntime(fm, dtype, 1, regParam, opt, 4, 2);
        String what = (fm ? "FM " : "linear ") + dtype;
        assertEquals(true, jobPath[jobPath.length - 1], what + ": the job path pulls the rows");
        assertEquals(true, engine[engine.length - 1], what + ": the engine pulls the rows");
        assertArrayEquals(java.util.Arrays.copyOf(jobPath, jobPath.length - 1),
            java.util.Arrays.copyOf(engine, engine.length - 1), what + ": every variable and the losses");
      }
    }
  }
}
