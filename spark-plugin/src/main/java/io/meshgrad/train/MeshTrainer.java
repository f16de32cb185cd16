package io.meshgrad.train;

import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.mesh.MeshRuntime;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Trains a linear model with an optimizer on a mesh. The data is split over the mesh's batch
 * dimension ({@link TrainingData} with {@code mesh.batchSize()} partitions). When the
 * coefficients' default layout gives a single shard (no model dimension, or one of size 1) the
 * variables are held on the driver and a step is one Spark job with no shuffle; otherwise they
 * are {@link io.meshgrad.mesh.DVariable}s on a {@link MeshRuntime}, coefficients sharded along
 * axis 0 on the first non-batch dimension and the intercept replicated.
 */
public final class MeshTrainer {

  /**
   * How to train.
   *
   * @param maxSteps number of optimizer steps
   * @param maxEpochs stop after this many passes over the data as well ({@code <= 0}: no limit)
   * @param batchSize rows per step, 0 for the full batch
   * @param tol stop when the relative change of the loss between steps is below this (0: never)
   * @param checkpointInterval truncate lineage every this many steps (-1 never)
   */
  public record Settings(Mesh mesh, DType dtype, long maxSteps, long maxEpochs, int batchSize, long seed,
      boolean fitIntercept, double regParam, double tol, int aggregationDepth, int checkpointInterval) {
    public Settings {
      if (maxSteps < 0) {
        throw new IllegalArgumentException("maxSteps must be >= 0, got " + maxSteps);
      }
      if (batchSize < 0) {
        throw new IllegalArgumentException("batchSize must be >= 0 (0 = full batch), got " + batchSize);
      }
      if (!(tol >= 0)) {
        throw new IllegalArgumentException("tol must be >= 0, got " + tol);
      }
    }

    /** Full batch, float32, intercept, no regularisation, depth 2, checkpoint every 10 steps. */
    public static Settings defaults(Mesh mesh, long maxSteps) {
      return new Settings(mesh, DType.FLOAT32, maxSteps, 0, 0, 0L, true, 0.0, 0.0, 2, 10);
    }
  }

  private MeshTrainer() {}

  /** Fits from zero weights; see {@link Settings}. */
  public static TrainingResult fit(SparkSession spark, TrainingData data, io.meshgrad.loss.BlockLoss blockLoss,
      Optimizer optimizer, Settings s, StepListener listener) {
    long start = System.nanoTime();
    BatchPlan plan = s.batchSize() == 0
        ? BatchPlan.fullBatch(data.rowsPerPartition())
        : BatchPlan.miniBatch(data.rowsPerPartition(), s.batchSize(), s.seed());
    long steps = s.maxSteps();
    if (s.maxEpochs() > 0) {
      steps = Math.min(steps, s.maxEpochs() * plan.stepsPerEpoch());
    }
    LinearModelLoss objective = new LinearModelLoss(data, blockLoss, plan, s.fitIntercept(), s.regParam());
    objective.bindSteps(optimizer);
    objective.setAggregationDepth(s.aggregationDepth());
    int[] shape = objective.coefficientShape();
    Tensor coef0 = Tensor.zeros(s.dtype(), shape);
    Tensor intercept0 = Tensor.zeros(s.dtype(), blockLoss.numOutputs());
    boolean sharded = Layout.defaultFor(s.mesh(), shape.length).numShards() > 1;
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Variable> vars = new ArrayList<>();
    MeshRuntime runtime = null;
    try {
      if (sharded) {
        runtime = MeshRuntime.create(spark, s.mesh()).setAggregationDepth(s.aggregationDepth())
            .setCheckpointInterval(s.checkpointInterval()).setTotalSteps(optimizer.iterations() + steps);
        vars.add(runtime.variable("coefficients", coef0));
        if (s.fitIntercept()) {
          vars.add(runtime.variable("intercept", intercept0, Layout.replicated(s.mesh(), 1)));
        }
      } else {
        vars.add(new Variable("coefficients", coef0));
        if (s.fitIntercept()) {
          vars.add(new Variable("intercept", intercept0));
        }
      }
      double[] history = new double[(int) steps];
      long first = optimizer.iterations();
      int taken = 0;
      while (taken < steps) {
        long step = optimizer.iterations();
        if (runtime == null) {
          jsc.setJobDescription("meshgrad step " + (step + 1) + "/" + (first + steps));
        }
        double loss = optimizer.minimize(objective, vars);
        history[taken++] = loss;
        if (listener != null) {
          listener.onStep(step + 1, first + steps, plan.epochOf(step), loss);
        }
        if (s.tol() > 0 && taken > 1
            && Math.abs(history[taken - 2] - loss) <= s.tol() * Math.max(1.0, Math.abs(loss))) {
          break;
        }
      }
      optimizer.finalizeVariableValues(vars);
      Tensor coef = vars.get(0).read();
      Tensor intercept = s.fitIntercept() ? vars.get(1).read() : null;
      long epochs = taken == 0 ? 0 : plan.epochOf(first + taken - 1) + 1;
      return new TrainingResult(coef, intercept, java.util.Arrays.copyOf(history, taken), taken, epochs,
          (System.nanoTime() - start) / 1e9);
    } finally {
      jsc.setJobDescription(null);
      if (runtime != null) {
        runtime.close();
      }
      objective.close();
    }
  }
}
