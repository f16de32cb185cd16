package io.meshgrad.examples.bench;

import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.model.FactorizationMachine;
import io.meshgrad.model.VariableSpec;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.DVariable;
import io.meshgrad.runtime.MeshRuntime;
import io.meshgrad.runtime.ModelLoss;
import io.meshgrad.tensor.DType;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * A float32 factorization machine on a {@code batch=P,model=M} {@link MeshRuntime}, set up as
 * {@code MeshTrainer} sets up a sharded FM fit: the factors {@code V [rows, k]} laid out {@code
 * ["model", "unsharded"]}, the linear weights on {@code model}, the intercept replicated, each
 * generated on its shards from its initializer (no driver copy), the optimizer built (slots next
 * to their shards). One {@link #timeSteps} step is one {@code optimizer.minimize}; after each the
 * driver's {@link MeshRuntime#retainedBytes()} is sampled.
 */
final class ShardedFmModel implements AutoCloseable {
  static final double LEARNING_RATE = 0.05;
  static final double INIT_STD = 0.01;

  private final ModelLoss loss;
  private final Adagrad optimizer;
  private final MeshRuntime runtime;
  private final List<Variable> variables = new ArrayList<>();
  private final String meshSpec;
  private long maxRetainedBytes;

  private ShardedFmModel(ModelLoss loss, MeshRuntime runtime, String meshSpec, double learningRate) {
    this.optimizer = Adagrad.builder().learningRate(learningRate).build();
    this.loss = loss;
    this.runtime = runtime;
    this.meshSpec = meshSpec;
  }

  /** An FM of {@code data.numFeatures()} rows x {@code factorSize} on {@code batch=partitions,model=model}. */
  static ShardedFmModel create(SparkSession spark, TrainingData data, BatchPlan plan, int model, int factorSize) {
    return create(spark, data, plan, model, factorSize, LEARNING_RATE);
  }

  /** The same with Adagrad at {@code learningRate}. */
  static ShardedFmModel create(SparkSession spark, TrainingData data, BatchPlan plan, int model, int factorSize,
      double learningRate) {
    String spec = "batch=" + data.numPartitions() + ",model=" + model;
    Mesh mesh = Mesh.parse(spec);
    FactorizationMachine fm = new FactorizationMachine(data.numFeatures(), factorSize, true, true, INIT_STD,
        new BinaryLogisticLoss());
    ModelLoss loss = new ModelLoss(data, fm, plan, 0.0);
    MeshRuntime runtime = null;
    try {
      // every table takes the row pull, also the smoke run's small ones (the default threshold, 2^16 rows, is below
      // every size of the full and quick runs)
      runtime = MeshRuntime.create(spark, mesh).setRowPullMinRows(1);
      ShardedFmModel m = new ShardedFmModel(loss, runtime, spec, learningRate);
      loss.bindSteps(m.optimizer);
      List<VariableSpec> specs = fm.variables();
      for (int v = 0; v < specs.size(); v++) {
        VariableSpec s = specs.get(v);
        Layout layout = switch (s.name()) {
          case FactorizationMachine.FACTORS -> Layout.of(mesh, "model", Layout.UNSHARDED);
          case FactorizationMachine.LINEAR -> Layout.of(mesh, "model");
          default -> Layout.replicated(mesh, s.shape().length);
        };
        m.variables.add(runtime.variable(s.name(), DType.FLOAT32, s.shape(), s.initializer(), 42L + v, layout));
      }
      m.optimizer.build(m.variables);
      return m;
    } catch (RuntimeException e) {
      if (runtime != null) {
        runtime.close();
      }
      loss.close();
      throw e;
    }
  }

  /** Runs {@code n} steps and returns the milliseconds they took. */
  double timeSteps(int n) {
    double ms = 0;
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      optimizer.minimize(loss, variables);
      ms += Measure.millisSince(t0);
      maxRetainedBytes = Math.max(maxRetainedBytes, runtime.retainedBytes());
    }
    return ms;
  }

  /**
   * This model's steps on the many-steps-per-job engine (see {@link EngineRunner#start}; with
   * {@code probe} the model takes one step at once, where the engine runs it).
   */
  EngineRunner engine(org.apache.spark.api.java.JavaSparkContext jsc, boolean probe) {
    return EngineRunner.start(jsc, loss, optimizer, variables, probe);
  }

  /**
   * Runs {@code n} steps on {@code engine} (this model's, see {@link #engine}) in one job and
   * returns the milliseconds they took; {@link MeshRuntime#retainedBytes()} is sampled after the
   * job, as {@link #timeSteps} samples it after each step.
   */
  double timeEngineSteps(EngineRunner engine, int n) {
    double ms = engine.timeSteps(n, n);
    maxRetainedBytes = Math.max(maxRetainedBytes, runtime.retainedBytes());
    return ms;
  }

  /** The most {@link MeshRuntime#retainedBytes()} seen after a step (or an engine job). */
  long maxRetainedBytes() {
    return maxRetainedBytes;
  }

  /** Bytes of element data the executors hold for the model: every shard's weights and slots (one Spark job). */
  long stateBytes() {
    return runtime.stateRdd().map(s -> s.byteSize()).reduce(Long::sum);
  }

  /** Whether every variable of more than one shard takes the row-sparse pull (no driver copy). */
  boolean pullsEveryShardedVariable() {
    return variables.stream().map(v -> (DVariable) v)
        .allMatch(v -> v.numShards() == 1 || runtime.pullsRows(v));
  }

  /** What the last step did, as meshgrad records it. */
  io.meshgrad.metrics.StepStats lastStepStats() {
    return loss.lastStepStats();
  }

  String meshSpec() {
    return meshSpec;
  }

  @Override
  public void close() {
    try {
      runtime.close();
    } finally {
      loss.close();
    }
  }
}
