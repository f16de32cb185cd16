package io.meshgrad.examples.bench;

import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
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

/**
 * A linear model trained by meshgrad from zero weights, as {@code MeshTrainer} sets it up: with
 * {@code model == 1} the coefficients and intercept are driver-held {@link Variable}s (one job per
 * step, no shuffle); with {@code model > 1} they are {@link DVariable}s on a {@code
 * batch=P,model=M} {@link MeshRuntime}, coefficients sharded along axis 0, intercept replicated,
 * optimizer slots next to their shards. One {@link #step()} is one {@code optimizer.minimize}.
 */
final class MeshgradModel implements AutoCloseable {
  private final ModelLoss loss;
  private final Adagrad optimizer;
  private final List<Variable> variables = new ArrayList<>();
  private final MeshRuntime runtime;
  private final String meshSpec;

  private MeshgradModel(ModelLoss loss, Adagrad optimizer, MeshRuntime runtime, String meshSpec) {
    this.loss = loss;
    this.optimizer = optimizer;
    this.runtime = runtime;
    this.meshSpec = meshSpec;
  }

  /**
   * @param model size of the mesh's model dimension; 1 keeps the variables on the driver
   */
  static MeshgradModel create(SparkSession spark, TrainingData data, BlockLoss blockLoss, BatchPlan plan, int model,
      DType dtype, double learningRate, double regParam) {
    return create(spark, data, blockLoss, plan, model, Tensor.zeros(dtype, data.numFeatures()), learningRate, regParam);
  }

  /**
   * As above, from the given initial coefficients (their dtype is the model's). The optimizer is
   * built (its slots created) here, so that the first timed step is a step like the others.
   */
  static MeshgradModel create(SparkSession spark, TrainingData data, BlockLoss blockLoss, BatchPlan plan, int model,
      Tensor initialCoefficients, double learningRate, double regParam) {
    DType dtype = initialCoefficients.dtype();
    Adagrad opt = Adagrad.builder().learningRate(learningRate).build();
    ModelLoss loss = ModelLoss.linear(data, blockLoss, plan, true, regParam);
    loss.bindSteps(opt);
    String spec = "batch=" + data.numPartitions() + (model > 1 ? ",model=" + model : "");
    MeshRuntime runtime = null;
    try {
      if (model > 1) {
        Mesh mesh = Mesh.parse(spec);
        runtime = MeshRuntime.create(spark, mesh);
        MeshgradModel m = new MeshgradModel(loss, opt, runtime, spec);
        m.variables.add(runtime.variable("coefficients", initialCoefficients));
        m.variables.add(runtime.variable("intercept", Tensor.zeros(dtype, 1), Layout.replicated(mesh, 1)));
        opt.build(m.variables);
        return m;
      }
      MeshgradModel m = new MeshgradModel(loss, opt, null, spec);
      m.variables.add(new Variable("coefficients", initialCoefficients));
      m.variables.add(new Variable("intercept", Tensor.zeros(dtype, 1)));
      opt.build(m.variables);
      return m;
    } catch (RuntimeException e) {
      if (runtime != null) {
        runtime.close();
      }
      loss.close();
      throw e;
    }
  }

  /** One optimizer step; returns the objective on the step's batch before the update. */
  double step() {
    return optimizer.minimize(loss, variables);
  }

  /** Runs {@code n} steps and returns the milliseconds they took. */
  double timeSteps(int n) {
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      step();
    }
    return Measure.millisSince(t0);
  }

  /**
   * This model's steps on the many-steps-per-job engine (see {@link EngineRunner#start}; with
   * {@code probe} the model takes one step at once).
   */
  EngineRunner engine(org.apache.spark.api.java.JavaSparkContext jsc, boolean probe) {
    return EngineRunner.start(jsc, loss, optimizer, variables, probe);
  }

  /** Whether the coefficients take the row-sparse pull (sharded and large enough): the driver keeps no copy. */
  boolean pullsRows() {
    return runtime != null && runtime.pullsRows((DVariable) variables.get(0));
  }

  /** What the last step did (loss, bytes shipped and aggregated), as meshgrad records it. */
  io.meshgrad.metrics.StepStats lastStepStats() {
    return loss.lastStepStats();
  }

  double[] coefficients() {
    return variables.get(0).read().toDoubleArray();
  }

  double[] intercept() {
    return variables.get(1).read().toDoubleArray();
  }

  Adagrad optimizer() {
    return optimizer;
  }

  String meshSpec() {
    return meshSpec;
  }

  /** Where the optimizer's slots live: {@code "driver"} or {@code "state RDD"} (sharded). */
  String slotsLocation() {
    boolean sharded = !optimizer.variables().isEmpty()
        && optimizer.variables().stream().allMatch(v -> v instanceof DVariable);
    boolean driver = optimizer.variables().stream().noneMatch(v -> v instanceof DVariable);
    return sharded ? "state RDD" : driver ? "driver" : "mixed";
  }

  @Override
  public void close() {
    try {
      if (runtime != null) {
        runtime.close();
      }
    } finally {
      loss.close();
    }
  }
}
