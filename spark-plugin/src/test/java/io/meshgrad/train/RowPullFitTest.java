package io.meshgrad.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.Datasets;
import io.meshgrad.LocalSpark;
import io.meshgrad.Rows;
import io.meshgrad.SparkTestSession;
import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.model.FactorizationMachine;
import io.meshgrad.model.LinearModel;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.DVariable;
import io.meshgrad.runtime.MeshRuntime;
import io.meshgrad.runtime.ModelLoss;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The row-sparse pull on a mesh ({@link MeshRuntime#setRowPullMinRows}): a sharded feature-indexed
 * variable whose rows are pulled each step gives the same weights and losses, bit for bit, as the
 * same variable shipped whole, the driver holds no copy of it, and a state recomputed from lineage
 * (the pulled rows kept until the next cut) reads the same.
 */
class RowPullFitTest {
  private static final BlockLoss LOSS = new BinaryLogisticLoss();
  private static final int STEPS = 6;

  @AfterAll
  static void noCachedRddLeft() {
    SparkSession spark = SparkTestSession.get();
    assertEquals(0, spark.sparkContext().getPersistentRDDs().size(),
        "training left cached RDDs: " + spark.sparkContext().getPersistentRDDs());
  }

  private record Run(Tensor[] weights, double[] losses, boolean featureRowsPulled, boolean interceptPulled,
      int[] jobsPerStep) {}

  /** STEPS Adagrad steps of a linear model on a9a over batch=2,model=2; minRows 1 pulls the coefficients' rows. */
  private static Run run(DType dtype, int batchSize, double regParam, int rowPullMinRows, boolean recomputeState) {
    return run("batch=2,model=2", dtype, batchSize, regParam, rowPullMinRows, recomputeState, -1);
  }

  /**
   * STEPS Adagrad steps of a linear model on a9a over {@code meshSpec}; after step {@code
   * assignAfter} (if >= 0) the coefficients are assigned a changed value through the runtime.
   */
  private static Run run(String meshSpec, DType dtype, int batchSize, double regParam, int rowPullMinRows,
      boolean recomputeState, int assignAfter) {
    SparkSession spark = SparkTestSession.get();
    Mesh mesh = Mesh.parse(meshSpec);
    AtomicInteger jobs = new AtomicInteger();
    SparkListener counter = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart jobStart) {
        jobs.incrementAndGet();
      }
    };
    try (TrainingData data = TrainingData.from(Datasets.a9a(spark, "a9a"), "features", "label", null,
        mesh.batchSize(), LOSS::validateLabel)) {
      BatchPlan plan = batchSize == 0 ? BatchPlan.fullBatch(data.rowsPerPartition())
          : BatchPlan.miniBatch(data.rowsPerPartition(), batchSize, 7L);
      LinearModel model = new LinearModel(LOSS, data.numFeatures(), true);
      try (ModelLoss loss = new ModelLoss(data, model, plan, regParam);
          MeshRuntime runtime = MeshRuntime.create(spark, mesh).setRowPullMinRows(rowPullMinRows)
              .setCheckpointInterval(recomputeState ? -1 : 4)) {
        Adagrad opt = Adagrad.builder().learningRate(0.5).build();
        loss.bindSteps(opt);
        DVariable coef = runtime.variable("coefficients", Tensor.zeros(dtype, data.numFeatures()),
            Layout.defaultFor(mesh, 1));
        DVariable intercept = runtime.variable("intercept", Tensor.zeros(dtype, 1), Layout.replicated(mesh, 1));
        List<Variable> vars = List.of(coef, intercept);
        double[] losses = new double[STEPS];
        int[] jobsPerStep = new int[STEPS];
        spark.sparkContext().addSparkListener(counter);
        try {
          for (int i = 0; i < STEPS; i++) {
            spark.sparkContext().listenerBus().waitUntilEmpty();
            int before = jobs.get();
            losses[i] = opt.minimize(loss, vars);
            spark.sparkContext().listenerBus().waitUntilEmpty();
            jobsPerStep[i] = jobs.get() - before;
            if (i == assignAfter) {
              double[] changed = coef.value().toDoubleArray();
              for (int j = 0; j < changed.length; j += 3) {
                changed[j] += 0.25;
              }
              coef.assign(Tensor.fromDoubles(dtype, changed, changed.length));
            }
          }
        } catch (java.util.concurrent.TimeoutException e) {
          throw new IllegalStateException(e);
        } finally {
          spark.sparkContext().removeSparkListener(counter);
        }
        Tensor[] weights = {coef.value(), intercept.value()};
        if (recomputeState) {
          // drop the cached state: reading it recomputes every step from the first shards
          runtime.stateRdd().unpersist(true);
          assertEquals(weights[0], coef.value(), "coefficients recomputed from lineage");
          assertEquals(weights[1], intercept.value(), "intercept recomputed from lineage");
          runtime.stateRdd().persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
        }
        return new Run(weights, losses, runtime.pullsRows(coef), runtime.pullsRows(intercept), jobsPerStep);
      }
    }
  }

  @Test
  void pulledRowsGiveTheShippedPathsWeightsBitForBit() {
    for (DType dtype : DType.values()) {
      for (int batchSize : new int[] {512, 0}) {
        Run shipped = run(dtype, batchSize, 0.0, MeshRuntime.DEFAULT_ROW_PULL_MIN_ROWS, false);
        Run pulled = run(dtype, batchSize, 0.0, 1, false);
        String what = dtype + " batch " + batchSize;
        assertFalse(shipped.featureRowsPulled(), what + ": 123 rows are below the default threshold");
        assertTrue(pulled.featureRowsPulled(), what + ": the coefficients' rows are pulled");
        assertFalse(pulled.interceptPulled(), what + ": the replicated intercept keeps the shipping path");
        assertEquals(shipped.weights()[0], pulled.weights()[0], what);
        assertEquals(shipped.weights()[1], pulled.weights()[1], what);
        assertArrayEquals(shipped.losses(), pulled.losses(), 0.0, what);
      }
    }
  }

  @Test
  void afterTheFirstStepAPulledStepRunsTheShippingPathsJobsAlone() {
    Run shipped = run(DType.FLOAT32, 512, 0.0, MeshRuntime.DEFAULT_ROW_PULL_MIN_ROWS, true);
    Run pulled = run(DType.FLOAT32, 512, 0.0, 1, true);
    // the first step pulls with two jobs of its own; later steps' rows ride on the step before
    assertEquals(shipped.jobsPerStep()[0] + 2, pulled.jobsPerStep()[0], "first step");
    for (int i = 1; i < STEPS; i++) {
      assertEquals(shipped.jobsPerStep()[i], pulled.jobsPerStep()[i], "step " + (i + 1));
    }
    assertEquals(1, pulled.jobsPerStep()[STEPS - 1], "a step is one job");
    assertEquals(shipped.weights()[0], pulled.weights()[0]);
  }

  @Test
  void aStepAfterAnAssignPullsTheAssignedRows() {
    Run shipped = run("batch=2,model=2", DType.FLOAT64, 512, 0.0, MeshRuntime.DEFAULT_ROW_PULL_MIN_ROWS, true, 2);
    Run pulled = run("batch=2,model=2", DType.FLOAT64, 512, 0.0, 1, true, 2);
    assertEquals(shipped.weights()[0], pulled.weights()[0], "rows read before the assign would differ");
    assertArrayEquals(shipped.losses(), pulled.losses(), 0.0);
    assertEquals(pulled.jobsPerStep()[1], pulled.jobsPerStep()[3] - 2, "the step after the assign pulls afresh");
  }

  @Test
  void requestsRideThroughIntermediateAggregationLevels() {
    // 8 data partitions with aggregationDepth 2: partials are summed in groups before the shards
    Run shipped = run("batch=8,model=2", DType.FLOAT64, 256, 0.0, MeshRuntime.DEFAULT_ROW_PULL_MIN_ROWS, true, -1);
    Run pulled = run("batch=8,model=2", DType.FLOAT64, 256, 0.0, 1, true, -1);
    assertTrue(pulled.featureRowsPulled());
    assertEquals(shipped.weights()[0], pulled.weights()[0]);
    assertEquals(shipped.weights()[1], pulled.weights()[1]);
    assertArrayEquals(shipped.losses(), pulled.losses(), 0.0);
    assertEquals(shipped.jobsPerStep()[STEPS - 1], pulled.jobsPerStep()[STEPS - 1]);
  }

  @Test
  void withL2TheWeightsStayBitIdenticalAndTheLossAgreesToRounding() {
    Run shipped = run(DType.FLOAT64, 512, 0.01, MeshRuntime.DEFAULT_ROW_PULL_MIN_ROWS, false);
    Run pulled = run(DType.FLOAT64, 512, 0.01, 1, false);
    assertEquals(shipped.weights()[0], pulled.weights()[0]);
    assertEquals(shipped.weights()[1], pulled.weights()[1]);
    // the sum of squares is summed shard by shard on the pull path: the order differs
    assertArrayEquals(shipped.losses(), pulled.losses(), 1e-12);
  }

  @Test
  void aStateRecomputedFromLineageReadsTheSameOnThePullPath() {
    Run pulled = run(DType.FLOAT32, 512, 0.0, 1, true);
    Run shipped = run(DType.FLOAT32, 512, 0.0, MeshRuntime.DEFAULT_ROW_PULL_MIN_ROWS, false);
    assertEquals(shipped.weights()[0], pulled.weights()[0]);
  }

  /** STEPS steps of an FM (k = 3) on a9a over batch=2,model=2: every variable's value, the losses, which are pulled. */
  private static Run runFm(DType dtype, int rowPullMinRows) {
    SparkSession spark = SparkTestSession.get();
    Mesh mesh = Mesh.parse("batch=2,model=2");
    FactorizationMachine fm = new FactorizationMachine(123, 3, true, true, 0.1, new BinaryLogisticLoss());
    try (TrainingData data = TrainingData.from(Datasets.a9a(spark, "a9a"), "features", "label", null,
        mesh.batchSize(), fm::validateLabel);
        ModelLoss loss = new ModelLoss(data, fm, BatchPlan.miniBatch(data.rowsPerPartition(), 512, 7L), 0.0);
        MeshRuntime runtime = MeshRuntime.create(spark, mesh).setRowPullMinRows(rowPullMinRows)
            .setCheckpointInterval(4)) {
      Adagrad opt = Adagrad.builder().learningRate(0.5).build();
      loss.bindSteps(opt);
      List<Variable> vars = new ArrayList<>();
      List<DVariable> dvars = new ArrayList<>();
      for (int v = 0; v < fm.variables().size(); v++) {
        io.meshgrad.model.VariableSpec spec = fm.variables().get(v);
        Tensor initial = Tensor.fromDoubles(dtype, spec.initializer().values(spec.shape(), 31 + v), spec.shape());
        DVariable dv = runtime.variable(spec.name(), initial,
            spec.layout() == null ? Layout.defaultFor(mesh, spec.shape().length) : Layout.of(mesh, spec.layout()));
        vars.add(dv);
        dvars.add(dv);
      }
      double[] losses = new double[STEPS];
      for (int i = 0; i < STEPS; i++) {
        losses[i] = opt.minimize(loss, vars);
      }
      Tensor[] weights = dvars.stream().map(DVariable::value).toArray(Tensor[]::new);
      boolean linearAndFactorsPulled = runtime.pullsRows(dvars.get(fm.linearIndex()))
          && runtime.pullsRows(dvars.get(fm.factorsIndex()));
      return new Run(weights, losses, linearAndFactorsPulled, runtime.pullsRows(dvars.get(fm.interceptIndex())), null);
    }
  }

  @Test
  void pulledFactorizationMachineRowsGiveTheShippedPathsWeightsBitForBit() {
    for (DType dtype : DType.values()) {
      Run shipped = runFm(dtype, MeshRuntime.DEFAULT_ROW_PULL_MIN_ROWS);
      Run pulled = runFm(dtype, 1);
      assertFalse(shipped.featureRowsPulled(), dtype + ": 123 rows are below the default threshold");
      assertTrue(pulled.featureRowsPulled(), dtype + ": the linear weights' and factors' rows are pulled");
      assertFalse(pulled.interceptPulled(), dtype + ": the replicated intercept keeps the shipping path");
      for (int v = 0; v < shipped.weights().length; v++) {
        assertEquals(shipped.weights()[v], pulled.weights()[v], dtype + " variable " + v);
      }
      assertArrayEquals(shipped.losses(), pulled.losses(), 0.0, dtype.toString());
    }
  }

  /** The coefficients (first {@code keep} of them) and the last step's bytes sent to the data partitions, at {@code d} features. */
  private static Object[] highDimensional(int d, int keep) {
    SparkSession spark = SparkTestSession.get();
    Mesh mesh = Mesh.parse("batch=2,model=2");
    List<org.apache.spark.sql.Row> rows = Rows.highDimensional(d, keep);
    try (TrainingData data = TrainingData.from(LocalSpark.frameOfRows(spark, rows, 2), "features", "label", null,
        mesh.batchSize(), LOSS::validateLabel)) {
      BatchPlan plan = BatchPlan.miniBatch(data.rowsPerPartition(), 40, 5L);
      try (ModelLoss loss = new ModelLoss(data, new LinearModel(LOSS, d, true), plan, 0.0);
          MeshRuntime runtime = MeshRuntime.create(spark, mesh)) {
        Adagrad opt = Adagrad.builder().learningRate(0.5).build();
        loss.bindSteps(opt);
        DVariable coef = runtime.variable("coefficients", Tensor.zeros(DType.FLOAT32, d), Layout.defaultFor(mesh, 1));
        DVariable intercept = runtime.variable("intercept", Tensor.zeros(DType.FLOAT32, 1), Layout.replicated(mesh, 1));
        for (int i = 0; i < 4; i++) {
          opt.minimize(loss, List.of(coef, intercept));
        }
        assertTrue(runtime.pullsRows(coef), d + " rows take the row pull by default");
        float[] first = java.util.Arrays.copyOf(coef.value().floats(), keep);
        return new Object[] {first, loss.lastStepStats().bytesBroadcast()};
      }
    }
  }

  @Test
  void whatTheDriverSendsPerStepDependsOnTheRowsTouchedNotOnTheVariablesSize() {
    int keep = 1 << 12;
    Object[] small = highDimensional(1 << 18, keep);
    Object[] large = highDimensional(1 << 22, keep);
    assertArrayEquals((float[]) small[0], (float[]) large[0], 0f, "the same rows, the same updates");
    assertEquals(small[1], large[1], "bytes sent in a step at 2^18 and 2^22 features");
    assertTrue((Long) large[1] > 0 && (Long) large[1] < 64 * 1024, "a 40-row batch of 5 features each sends kilobytes, got " + large[1]);
  }

  @Test
  void rowPullMinRowsIsValidated() {
    try (MeshRuntime runtime = MeshRuntime.create(SparkTestSession.get(), Mesh.parse("batch=2,model=2"))) {
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> runtime.setRowPullMinRows(0));
      assertTrue(e.getMessage().contains("rowPullMinRows") && e.getMessage().contains("got 0"), e.getMessage());
    }
  }
}
