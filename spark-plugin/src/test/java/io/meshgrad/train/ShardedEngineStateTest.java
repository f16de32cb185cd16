package io.meshgrad.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.Datasets;
import io.meshgrad.SparkListeners;
import io.meshgrad.SparkTestSession;
import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.model.LinearModel;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.DVariable;
import io.meshgrad.runtime.MeshRuntime;
import io.meshgrad.runtime.ModelLoss;
import io.meshgrad.runtime.engine.StepEngine;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Between jobs of the many-steps-per-job engine on sharded variables, the state stays on the
 * executors: a linear model of 2^16 features (a9a's features spread over them) on {@code
 * batch=2,model=2}, the coefficients row-pulled (no driver copy) in 2 shards of 128 KB of values
 * and 128 KB of Adagrad accumulators each. No task of an engine job returns more than a small
 * fraction of one shard to the driver; a state partition lost between jobs is recomputed from the
 * job's output; the job path and the engine take turns on the same state. Always bit for bit the
 * job path's weights and losses. No listening port (task endpoints, the jobs' rendezvous) is left
 * open when the runtime closes.
 */
class ShardedEngineStateTest {
  private static final BlockLoss LOSS = new BinaryLogisticLoss();
  private static final Mesh MESH = Mesh.parse("batch=2,model=2");
  private static final int DIM = 1 << 16;
  /** One coefficient shard with its accumulator slot: DIM / 2 floats, twice. */
  private static final long SHARD_BYTES = (long) DIM / 2 * 4 * 2;

  private static Dataset<Row> rows;

  @BeforeAll
  static void data() {
    rows = Datasets.spreadA9a(SparkTestSession.get(), 4000, DIM, 512).cache();
  }

  @AfterAll
  static void noCachedRddLeft() {
    rows.unpersist(true);
    SparkSession spark = SparkTestSession.get();
    assertEquals(0, spark.sparkContext().getPersistentRDDs().size(),
        "training left cached RDDs: " + spark.sparkContext().getPersistentRDDs());
  }

  /** The largest task result (serialized, as the driver receives it) of the tasks that end while watched. */
  private static final class ResultSizes extends SparkListener {
    final AtomicLong max = new AtomicLong();
    final AtomicLong tasks = new AtomicLong();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
      if (end.taskMetrics() != null) {
        max.accumulateAndGet(end.taskMetrics().resultSize(), Math::max);
        tasks.incrementAndGet();
      }
    }
  }

  /**
   * 6 steps on a runtime: each element of {@code plan} is {@code "E<k>"} (an engine job of k
   * steps), {@code "J<k>"} (k steps of the job path) or {@code "lose"} (the state's cached
   * partitions dropped). Returns the variables' values, then the losses as a tensor.
   */
  private static Object[] run(ResultSizes watch, String... plan) {
    SparkSession spark = SparkTestSession.get();
    LinearModel model = new LinearModel(LOSS, DIM, true);
    try (TrainingData data = TrainingData.from(rows, "features", "label", null, MESH.batchSize(),
        LOSS::validateLabel);
        ModelLoss loss = new ModelLoss(data, model, BatchPlan.miniBatch(data.rowsPerPartition(), 256, 7L), 0.01);
        MeshRuntime runtime = MeshRuntime.create(spark, MESH).setRowPullMinRows(1).setCheckpointInterval(-1)) {
      Optimizer opt = Adagrad.builder().learningRate(0.5).clipnorm(0.05).useEma(true).emaOverwriteFrequency(4).build();
      loss.bindSteps(opt);
      List<Variable> vars = new ArrayList<>();
      for (int v = 0; v < model.variables().size(); v++) {
        io.meshgrad.model.VariableSpec spec = model.variables().get(v);
        Tensor initial = Tensor.fromDoubles(DType.FLOAT32, spec.initializer().values(spec.shape(), 31 + v),
            spec.shape());
        vars.add(runtime.variable(spec.name(), initial, spec.layout() == null
            ? Layout.defaultFor(MESH, spec.shape().length) : Layout.of(MESH, spec.layout())));
      }
      StepEngine engine = StepEngine.create(JavaSparkContext.fromSparkContext(spark.sparkContext()), loss);
      List<Double> losses = new ArrayList<>();
      for (String p : plan) {
        if (p.equals("lose")) {
          runtime.stateRdd().unpersist(true);
        } else if (p.startsWith("J")) {
          for (int i = 0; i < Integer.parseInt(p.substring(1)); i++) {
            losses.add(opt.minimize(loss, vars));
          }
        } else {
          if (watch != null) {
            spark.sparkContext().addSparkListener(watch);
          }
          try {
            for (double l : engine.run(opt, vars, Integer.parseInt(p.substring(1)), 6, 0, Double.NaN, false)
                .losses()) {
              losses.add(l);
            }
          } finally {
            if (watch != null) {
              SparkListeners.removeWhenDelivered(spark.sparkContext(), watch);
            }
          }
        }
      }
      assertTrue(runtime.pullsRows((DVariable) vars.get(0)), "the coefficients are row-pulled");
      List<Object> out = new ArrayList<>();
      for (Variable v : vars) {
        out.add(v.value());
      }
      out.add(Tensor.of(losses.stream().mapToDouble(Double::doubleValue).toArray(), losses.size()));
      return out.toArray();
    }
  }

  @Test
  void theDriverReceivesNoShardAfterAnEngineJob() {
    Object[] jobPath = run(null, "J6");
    ResultSizes sizes = new ResultSizes();
    Object[] engine = run(sizes, "E3", "E3");
    assertArrayEquals(jobPath, engine, "every variable and the losses");
    assertTrue(sizes.tasks.get() > 0);
    System.out.printf("largest task result of the engine jobs: %d bytes (one shard with its slot: %d)%n",
        sizes.max.get(), SHARD_BYTES);
    assertTrue(sizes.max.get() < SHARD_BYTES / 8, "a task of an engine job returned " + sizes.max.get()
        + " bytes to the driver; one shard with its slot is " + SHARD_BYTES);
  }

  @Test
  void aStatePartitionLostBetweenJobsIsRecomputedBitIdentically() {
    Object[] jobPath = run(null, "J6");
    assertArrayEquals(jobPath, run(null, "E3", "lose", "E3"), "lost before the next engine job");
    assertArrayEquals(jobPath, run(null, "E2", "lose", "J2", "E2"), "lost before job path steps");
  }

  @Test
  void theJobPathAndTheEngineTakeTurnsOnTheSameState() {
    assertArrayEquals(run(null, "J6"), run(null, "J1", "E2", "J1", "E2"));
  }

  @Test
  void noPortStaysOpenAfterTheFit() throws java.io.IOException {
    org.junit.jupiter.api.Assumptions.assumeTrue(io.meshgrad.ListeningSockets.readable(),
        "reads the listening sockets from Linux's /proc");
    run(null, "E3"); // Spark's own lazily started listeners
    java.util.Set<String> before = io.meshgrad.ListeningSockets.now();
    // the rendezvous of each job stays open until the next lineage cut, here the runtime's close
    run(null, "E3", "E3");
    assertEquals(before, io.meshgrad.ListeningSockets.now(), "listening sockets of this JVM before and after two engine jobs");
  }
}
