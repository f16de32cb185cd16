package io.meshgrad.train;

import io.meshgrad.checkpoint.CheckpointPolicy;
import io.meshgrad.data.SplitMix64;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.model.BlockModel;
import io.meshgrad.model.Initializer;
import io.meshgrad.model.Initializers;
import io.meshgrad.model.VariableSpec;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.DVariable;
import io.meshgrad.runtime.MeshRuntime;
import io.meshgrad.runtime.ModelLoss;
import io.meshgrad.tensor.DType;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a linear model or any {@link BlockModel} with an optimizer on a mesh. The data is split over the mesh's batch
 * dimension ({@link TrainingData} with {@code mesh.batchSize()} partitions). When the
 * coefficients' default layout gives a single shard (no model dimension, or one of size 1) the
 * variables are held on the driver and a step is one Spark job with no shuffle; otherwise they
 * are {@link io.meshgrad.runtime.DVariable}s on a {@link MeshRuntime}, coefficients sharded along
 * axis 0 on the first non-batch dimension and the intercept replicated.
 *
 * <p>{@link Controls} add what a library front end needs on top of plain Keras-style training:
 * handling of non-finite steps ({@link NonFiniteGradient}) and early stopping on held-out rows
 * ({@link EarlyStopping}); see {@link #fit(SparkSession, TrainingData, BlockLoss, Optimizer,
 * Settings, Controls, StepListener)}.
 */
public final class MeshTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(MeshTrainer.class);

  /**
   * How to train.
   *
   * @param maxSteps number of optimizer steps
   * @param maxEpochs stop after this many passes over the data as well ({@code <= 0}: no limit)
   * @param batchSize rows per step, 0 for the full batch
   * @param tol stop when the relative change of the loss between steps is below this (0: never)
   * @param regParam L2 strength on the coefficients: {@code (regParam/2) ||w||^2}
   * @param checkpointInterval truncate lineage every this many steps (-1 never)
   * @param l1 L1 strength on the coefficients: {@code l1 ||w||_1}, gradient {@code l1 * sign(w)}
   *     (see {@link io.meshgrad.runtime.Penalty})
   */
  public record Settings(Mesh mesh, DType dtype, long maxSteps, long maxEpochs, int batchSize, long seed,
      boolean fitIntercept, double regParam, double tol, int aggregationDepth, int checkpointInterval, double l1) {
    public Settings {
      if (!(Double.isFinite(l1) && l1 >= 0)) {
        throw new IllegalArgumentException("l1 must be a finite number >= 0, got " + l1);
      }
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

    /** Without L1. */
    public Settings(Mesh mesh, DType dtype, long maxSteps, long maxEpochs, int batchSize, long seed,
        boolean fitIntercept, double regParam, double tol, int aggregationDepth, int checkpointInterval) {
      this(mesh, dtype, maxSteps, maxEpochs, batchSize, seed, fitIntercept, regParam, tol, aggregationDepth,
          checkpointInterval, 0.0);
    }

    /** Full batch, float32, intercept, no regularisation, depth 2, checkpoint every 10 steps. */
    public static Settings defaults(Mesh mesh, long maxSteps) {
      return new Settings(mesh, DType.FLOAT32, maxSteps, 0, 0, 0L, true, 0.0, 0.0, 2, 10);
    }
  }

  /**
   * Safeguards on top of {@link Settings}: what to do with non-finite steps, early stopping, and
   * checkpoints of the optimizer state; and how many steps one Spark job runs.
   *
   * @param onNonFinite never null
   * @param earlyStopping {@code null} for none
   * @param checkpoints {@code null} for none
   * @param stepsPerJob 1: one Spark job per step (the job-per-step path); {@code K >= 2}: up to K
   *     steps in one barrier job of the many-steps-per-job engine ({@link
   *     io.meshgrad.runtime.engine.StepEngine}), bit for bit the same result, and an error naming
   *     what to change where the engine cannot run; 0: automatic, the engine with {@value
   *     #AUTO_STEPS_PER_JOB} steps a job where it applies, else one job per step (said in one log line)
   */
  public record Controls(NonFiniteGradient onNonFinite, EarlyStopping earlyStopping, CheckpointPolicy checkpoints,
      int stepsPerJob) {
    public Controls {
      if (onNonFinite == null) {
        throw new IllegalArgumentException("onNonFinite must be one of ERROR, SKIP, PROPAGATE; got null");
      }
      if (stepsPerJob < 0) {
        throw new IllegalArgumentException("stepsPerJob must be >= 0 (0 = automatic, 1 = one Spark job per step), got "
            + stepsPerJob);
      }
    }

    /** One Spark job per step. */
    public Controls(NonFiniteGradient onNonFinite, EarlyStopping earlyStopping, CheckpointPolicy checkpoints) {
      this(onNonFinite, earlyStopping, checkpoints, 1);
    }

    /** Without checkpoints, one Spark job per step. */
    public Controls(NonFiniteGradient onNonFinite, EarlyStopping earlyStopping) {
      this(onNonFinite, earlyStopping, null);
    }

    /** No checks (NaN propagates, as in Keras), no early stopping, no checkpoints, one Spark job per step. */
    public static Controls none() {
      return new Controls(NonFiniteGradient.PROPAGATE, null, null);
    }

    /** These controls with {@code stepsPerJob} steps per Spark job (see the record's doc). */
    public Controls withStepsPerJob(int stepsPerJob) {
      return new Controls(onNonFinite, earlyStopping, checkpoints, stepsPerJob);
    }
  }

  /** Steps per job of the automatic choice ({@code stepsPerJob = 0}) where the engine applies. */
  public static final int AUTO_STEPS_PER_JOB = 100;

  private MeshTrainer() {}

  /** Fits from zero weights with {@link Controls#none()}; see {@link Settings}. */
  public static TrainingResult fit(SparkSession spark, TrainingData data, BlockLoss blockLoss,
      Optimizer optimizer, Settings s, StepListener listener) {
    return fit(spark, data, blockLoss, optimizer, s, Controls.none(), listener);
  }

  /**
   * Fits from zero weights.
   *
   * <p><b>Non-finite steps</b> ({@link Controls#onNonFinite()} {@code ERROR} or {@code SKIP}). A
   * step is <em>non-finite</em> when its loss is NaN or infinite, or a variable ends up with a NaN
   * or infinite element; for variables held on the driver also when a gradient (after rounding to
   * the dtype, before clipping) has one. What is guaranteed:
   *
   * <ul>
   *   <li><b>Driver-held variables</b> (no model dimension larger than 1): the loss and gradients
   *       are checked on the driver before the update, which then does not happen; the updated
   *       weights are checked too (a finite gradient times a huge learning rate can overflow), and
   *       if they are not finite the weights and every optimizer slot (accumulators, EMA
   *       averages) are put back to their values before the step. Exact, at the cost of
   *       in-process copies of the weights and slots.
   *   <li><b>Sharded variables</b>: gradients never reach the driver (they are reduce-scattered to
   *       the shards and applied there in the same job), so the check uses what does: the step's
   *       loss and the updated weights. With Adagrad a NaN or infinite gradient element always
   *       makes its updated weight NaN, so this catches every non-finite gradient except an
   *       infinity that {@code clipvalue} clamps to a finite value (then the clamped step is
   *       applied, as Keras would). To restore, the weights before the step are kept on the
   *       driver (they are anyway) and, under {@code SKIP} only, every slot is read back from the
   *       executors before each step: one small extra Spark job per slot and step, no data pass.
   *       A skipped step costs one extra job per variable and slot to re-assign them.
   * </ul>
   *
   * A finite gradient whose square overflows an accumulator to infinity is not non-finite by this
   * definition (the weights stay finite; that coordinate stops moving). Under {@code ERROR} a
   * {@link NonFiniteGradientException} names the step and the variable and carries the weights
   * before the step; under {@code SKIP} the step is counted in {@link
   * TrainingResult#stepsSkipped()}, its loss still goes into the loss history, and the iteration
   * count advances (the next step uses the next batch and learning rate).
   *
   * <p><b>Early stopping</b>: see {@link EarlyStopping}.
   */
  public static TrainingResult fit(SparkSession spark, TrainingData data, BlockLoss blockLoss,
      Optimizer optimizer, Settings s, Controls controls, StepListener listener) {
    int[] shape = blockLoss.numOutputs() == 1 ? new int[] {data.numFeatures()}
        : new int[] {data.numFeatures(), blockLoss.numOutputs()};
    List<VariableStart> starts = new ArrayList<>();
    // zeros made where the shards live when the row pull may take them (no L1 term), as for a model's
    starts.add(new VariableStart("coefficients", shape, Initializers.zeros(), 0L,
        Layout.defaultFor(s.mesh(), shape.length), s.l1() == 0));
    if (s.fitIntercept()) {
      starts.add(new VariableStart("intercept", new int[] {blockLoss.numOutputs()}, Initializers.zeros(), 0L,
          Layout.replicated(s.mesh(), 1), false));
    }
    // no model description: the checkpoint identity of a linear fit stays what it always was
    return new TrainingLoop(spark, data, optimizer, s, controls, listener, starts, null,
        (rows, plan) -> ModelLoss.linear(rows, blockLoss, plan, s.fitIntercept(), s.regParam())).run();
  }

  /**
   * Fits {@code model} from its variables' initial values, as {@link #fit(SparkSession,
   * TrainingData, BlockLoss, Optimizer, Settings, Controls, StepListener)} fits a linear model (same
   * steps, controls and guarantees). Variable {@code v} starts at its {@linkplain
   * VariableSpec#initializer() initializer}'s values for the seed {@code SplitMix64(settings.seed +
   * v)}, rounded to the dtype. On a mesh with a dimension besides the batch one, each variable is
   * laid out by its {@link VariableSpec#layout()} (or {@link Layout#defaultFor} when it names none)
   * and the variables live on a {@link MeshRuntime} if any of them has more than one shard;
   * otherwise (a mesh of the batch dimension alone, whatever the layouts say) they are held on the
   * driver. On a {@link MeshRuntime}, a sharded feature-indexed variable (when there is no L1 term)
   * is generated on its shards from the initializer's rows ({@link MeshRuntime#variable(String,
   * DType, int[], Initializer, long, Layout)}): the same values, and no JVM makes the whole of it;
   * the other variables are made on the driver. {@link Settings#fitIntercept()} does not apply: the
   * model declares its own variables. The result's {@link TrainingResult#weights()} follow {@link
   * BlockModel#variables()}.
   *
   * @throws IllegalArgumentException naming the variable when a layout does not fit the mesh or
   *     its variable's shape
   */
  public static TrainingResult fit(SparkSession spark, TrainingData data, BlockModel model,
      Optimizer optimizer, Settings s, Controls controls, StepListener listener) {
    List<VariableStart> starts = new ArrayList<>();
    List<VariableSpec> specs = model.variables();
    for (int v = 0; v < specs.size(); v++) {
      VariableSpec spec = specs.get(v);
      // a variable that a step may pull rows of is generated on its shards; one a step ships whole
      // (an L1 term needs every weight) is kept on the driver anyway, so it is made there
      starts.add(new VariableStart(spec.name(), spec.shape(), spec.initializer(), SplitMix64.mix64(s.seed() + v),
          layoutOf(spec, s.mesh()), spec.featureIndexed() && s.l1() == 0));
    }
    return new TrainingLoop(spark, data, optimizer, s, controls, listener, starts, model.toString(),
        (rows, plan) -> new ModelLoss(rows, model, plan, s.regParam())).run();
  }

  private static Layout layoutOf(VariableSpec spec, Mesh mesh) {
    int rank = spec.shape().length;
    if (spec.layout() == null || mesh.firstNonBatchDimension().isEmpty()) {
      return Layout.defaultFor(mesh, rank);
    }
    try {
      Layout layout = Layout.of(mesh, spec.layout());
      layout.checkShape(spec.shape());
      return layout;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("layout " + spec.layout() + " of variable '" + spec.name() + "' does not fit"
          + " mesh " + mesh + ": " + e.getMessage(), e);
    }
  }
}
