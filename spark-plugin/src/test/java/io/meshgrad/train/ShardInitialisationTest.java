package io.meshgrad.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.LocalSpark;
import io.meshgrad.Rows;
import io.meshgrad.SparkTestSession;
import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.model.FactorizationMachine;
import io.meshgrad.model.Initializer;
import io.meshgrad.model.Initializers;
import io.meshgrad.model.VariableSpec;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.DVariable;
import io.meshgrad.runtime.MeshRuntime;
import io.meshgrad.runtime.ModelLoss;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Variables generated on their shards ({@link MeshRuntime#variable(String, DType, int[],
 * Initializer, long, Layout)}): the same values as the initializer's whole value, whatever the
 * sharding, again after the state is recomputed from lineage; no driver copy of a row-pulled one;
 * and a sharded FM fit from generated shards equals the driver-held fit from {@link
 * Initializer#values} bit for bit.
 */
class ShardInitialisationTest {
  private static final BinaryLogisticLoss LOSS = new BinaryLogisticLoss();

  @AfterAll
  static void noCachedRddLeft() {
    SparkSession spark = SparkTestSession.get();
    assertEquals(0, spark.sparkContext().getPersistentRDDs().size(),
        "left cached RDDs: " + spark.sparkContext().getPersistentRDDs());
  }

  @Test
  void generatedShardsHoldTheInitializersValuesWhateverTheShardingAndAfterRecomputation() {
    SparkSession spark = SparkTestSession.get();
    int[] shape = {301, 5};
    long seed = 17L;
    List<Initializer> inits = List.of(Initializers.normal(0.1), Initializers.glorotUniform(), Initializers.zeros(),
        Initializers.given(java.util.stream.IntStream.range(0, 301 * 5).mapToDouble(i -> i * 0.25).toArray()));
    String[][] cases = {
        {"batch=2,model=2", "model", "unsharded"},
        {"batch=2,model=4", "model", "unsharded"},
        {"batch=2,model=3", "unsharded", "model"},
        {"batch=2,x=2,y=2", "x", "y"},
    };
    for (String[] c : cases) {
      Mesh mesh = Mesh.parse(c[0]);
      Layout layout = Layout.of(mesh, c[1], c[2]);
      for (DType dtype : DType.values()) {
        try (MeshRuntime runtime = MeshRuntime.create(spark, mesh).setCheckpointInterval(-1)) {
          List<DVariable> vars = new ArrayList<>();
          for (int i = 0; i < inits.size(); i++) {
            vars.add(runtime.variable("v" + i, dtype, shape, inits.get(i), seed, layout));
          }
          for (int i = 0; i < inits.size(); i++) {
            Tensor expected = Tensor.fromDoubles(dtype, inits.get(i).values(shape, seed), shape);
            String what = c[0] + " " + layout.axes() + " " + dtype + " " + inits.get(i);
            assertEquals(expected, vars.get(i).read(), what);
          }
          // drop every cached state block: reading again generates the shards again from lineage
          runtime.stateRdd().unpersist(true);
          for (int i = 0; i < inits.size(); i++) {
            Tensor expected = Tensor.fromDoubles(dtype, inits.get(i).values(shape, seed), shape);
            assertEquals(expected, vars.get(i).read(), "recomputed " + c[0] + " " + dtype + " " + inits.get(i));
          }
          runtime.stateRdd().persist(StorageLevel.MEMORY_AND_DISK());
        }
      }
    }
  }

  @Test
  void theDriverKeepsNoCopyOfAGeneratedVariableThatPullsRowsAndOneOfASmallOne() {
    SparkSession spark = SparkTestSession.get();
    Mesh mesh = Mesh.parse("batch=2,model=2");
    Layout rows = Layout.of(mesh, "model", Layout.UNSHARDED);
    try (MeshRuntime runtime = MeshRuntime.create(spark, mesh).setRowPullMinRows(1000)) {
      DVariable large = runtime.variable("large", DType.FLOAT32, new int[] {4000, 8}, Initializers.normal(0.1), 1L,
          rows);
      assertTrue(runtime.pullsRows(large), "a generated variable large enough to pull rows has no driver copy");
      assertEquals(0, runtime.retainedBytes(), "nothing is broadcast for a generated variable");
      large.read();
      assertTrue(runtime.pullsRows(large), "reading it gathers it for the caller only");
      DVariable small = runtime.variable("small", DType.FLOAT32, new int[] {100, 8}, Initializers.normal(0.1), 2L,
          rows);
      assertTrue(runtime.pullsRows(small), "before its first read");
      small.read();
      assertFalse(runtime.pullsRows(small), "a variable too small to pull rows is kept on the driver once read");
      assertEquals(4L * 100 * 8, runtime.retainedBytes(), "the driver's copy of the small one");
      runtime.variable("given", Tensor.zeros(DType.FLOAT64, 10, 8), rows);
      assertEquals(4L * 100 * 8 + 2 * 8L * 10 * 8, runtime.retainedBytes(),
          "a variable made from a tensor: the driver's copy and its shards' broadcasts");
    }
  }

  private record Fit(Tensor[] weights, double[] losses, boolean[] pulled, long retainedBytes) {}

  /**
   * 6 Adagrad steps of an FM ({@code d} features, k = 4) on {@code mesh}: driver-held variables
   * made from {@link Initializer#values} on a batch-only mesh, else variables generated on their
   * shards, pulled by rows, with no lineage cut; {@code recompute}: the state is read again after
   * dropping its cache.
   */
  private static Fit fm(String meshSpec, DType dtype, boolean recompute) {
    SparkSession spark = SparkTestSession.get();
    int d = 1 << 16;
    Mesh mesh = Mesh.parse(meshSpec);
    try (TrainingData data = TrainingData.from(LocalSpark.frameOfRows(spark, Rows.highDimensional(d, 2048), 2),
        "features", "label", null, mesh.batchSize(), LOSS::validateLabel)) {
      FactorizationMachine model = new FactorizationMachine(d, 4, true, true, 0.1, LOSS);
      BatchPlan plan = BatchPlan.miniBatch(data.rowsPerPartition(), 40, 5L);
      List<VariableSpec> specs = model.variables();
      Adagrad opt = Adagrad.builder().learningRate(0.5).build();
      try (ModelLoss loss = new ModelLoss(data, model, plan, 0.0)) {
        loss.bindSteps(opt);
        double[] losses = new double[6];
        if (mesh.firstNonBatchDimension().isEmpty()) {
          List<Variable> vars = new ArrayList<>();
          for (int v = 0; v < specs.size(); v++) {
            VariableSpec s = specs.get(v);
            vars.add(new Variable(s.name(), Tensor.fromDoubles(dtype, s.initializer().values(s.shape(), 100 + v),
                s.shape())));
          }
          for (int i = 0; i < losses.length; i++) {
            losses[i] = opt.minimize(loss, vars);
          }
          return new Fit(vars.stream().map(Variable::read).toArray(Tensor[]::new), losses, null, -1);
        }
        try (MeshRuntime runtime = MeshRuntime.create(spark, mesh).setCheckpointInterval(-1)) {
          List<DVariable> vars = new ArrayList<>();
          for (int v = 0; v < specs.size(); v++) {
            VariableSpec s = specs.get(v);
            Layout layout = s.layout() == null ? Layout.defaultFor(mesh, s.shape().length) : Layout.of(mesh, s.layout());
            vars.add(runtime.variable(s.name(), dtype, s.shape(), s.initializer(), 100 + v, layout));
          }
          List<Variable> asVariables = new ArrayList<>(vars);
          for (int i = 0; i < losses.length; i++) {
            losses[i] = opt.minimize(loss, asVariables);
          }
          long retained = runtime.retainedBytes();
          boolean[] pulled = new boolean[vars.size()];
          for (int v = 0; v < pulled.length; v++) {
            pulled[v] = runtime.pullsRows(vars.get(v));
          }
          Tensor[] weights = vars.stream().map(DVariable::read).toArray(Tensor[]::new);
          if (recompute) {
            runtime.stateRdd().unpersist(true);
            for (int v = 0; v < weights.length; v++) {
              assertEquals(weights[v], vars.get(v).read(), "variable " + v + " recomputed from lineage");
            }
            runtime.stateRdd().persist(StorageLevel.MEMORY_AND_DISK());
          }
          return new Fit(weights, losses, pulled, retained);
        }
      }
    }
  }

  @Test
  void aShardedFitFromGeneratedShardsEqualsTheDriverHeldFitBitForBit() {
    for (DType dtype : DType.values()) {
      Fit held = fm("batch=2", dtype, false);
      for (String mesh : List.of("batch=2,model=2", "batch=2,model=4")) {
        Fit sharded = fm(mesh, dtype, false);
        String what = dtype + " " + mesh;
        assertFalse(sharded.pulled()[0], what + ": the intercept is shipped");
        assertTrue(sharded.pulled()[1] && sharded.pulled()[2], what + ": the linear weights and factors are pulled");
        for (int v = 0; v < 3; v++) {
          assertEquals(held.weights()[v], sharded.weights()[v], what + " variable " + v);
        }
        assertArrayEquals(held.losses(), sharded.losses(), 0.0, what);
        // per step: at most 40 rows x 5 features x (1 + 4) values pulled, all kept (no lineage cut here: without a
        // checkpoint directory a cut would restart the state from a driver copy, which retainedBytes counts too)
        long wholeModel = (long) (1 << 16) * 5 * (dtype == DType.FLOAT32 ? 4 : 8);
        assertTrue(sharded.retainedBytes() < wholeModel / 20, what + ": the driver keeps "
            + sharded.retainedBytes() + " bytes, the model is " + wholeModel);
      }
    }
  }

  @Test
  void aStateRecomputedFromLineageGivesTheSameShards() {
    Fit once = fm("batch=2,model=2", DType.FLOAT32, false);
    Fit recomputed = fm("batch=2,model=2", DType.FLOAT32, true);
    for (int v = 0; v < 3; v++) {
      assertEquals(once.weights()[v], recomputed.weights()[v], "variable " + v);
    }
  }
}
