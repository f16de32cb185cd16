package io.meshgrad.train;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.mesh.DVariable;
import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.mesh.MeshRuntime;
import io.meshgrad.model.BlockModel;
import io.meshgrad.model.Initializer;
import io.meshgrad.model.Initializers;
import io.meshgrad.model.VariableSpec;
import io.meshgrad.aggregate.DatasetLoss;
import io.meshgrad.optimizer.GradientAndVariable;
import io.meshgrad.optimizer.LossAndGradients;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.plugin.TrainingMetrics;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a linear model or any {@link BlockModel} with an optimizer on a mesh. The data is split over the mesh's batch
 * dimension ({@link TrainingData} with {@code mesh.batchSize()} partitions). When the
 * coefficients' default layout gives a single shard (no model dimension, or one of size 1) the
 * variables are held on the driver and a step is one Spark job with no shuffle; otherwise they
 * are {@link io.meshgrad.mesh.DVariable}s on a {@link MeshRuntime}, coefficients sharded along
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
   *     (see {@link io.meshgrad.aggregate.Penalty})
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
   * checkpoints of the optimizer state.
   *
   * @param onNonFinite never null
   * @param earlyStopping {@code null} for none
   * @param checkpoints {@code null} for none
   */
  public record Controls(NonFiniteGradient onNonFinite, EarlyStopping earlyStopping, CheckpointPolicy checkpoints) {
    public Controls {
      if (onNonFinite == null) {
        throw new IllegalArgumentException("onNonFinite must be one of ERROR, SKIP, PROPAGATE; got null");
      }
    }

    /** Without checkpoints. */
    public Controls(NonFiniteGradient onNonFinite, EarlyStopping earlyStopping) {
      this(onNonFinite, earlyStopping, null);
    }

    /** No checks (NaN propagates, as in Keras), no early stopping, no checkpoints. */
    public static Controls none() {
      return new Controls(NonFiniteGradient.PROPAGATE, null, null);
    }
  }

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
    return run(spark, data, optimizer, s, controls, listener, starts, null,
        (rows, plan) -> ModelLoss.linear(rows, blockLoss, plan, s.fitIntercept(), s.regParam()));
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
    return run(spark, data, optimizer, s, controls, listener, starts, model.toString(),
        (rows, plan) -> new ModelLoss(rows, model, plan, s.regParam()));
  }

  /**
   * A variable to create: its name, shape, how its first value is drawn, its layout on the mesh,
   * and whether, when sharded, its shards are generated on the executors ({@link
   * MeshRuntime#variable(String, DType, int[], Initializer, long, Layout)}) rather than cut from a
   * first value made on the driver.
   */
  private record VariableStart(String name, int[] shape, Initializer initializer, long seed, Layout layout,
      boolean generateOnShards) {
    /** The whole first value, made on the driver. */
    Tensor initial(DType dtype) {
      return Tensor.fromDoubles(dtype, initializer.values(shape, seed), shape);
    }
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

  /** The training loop shared by linear and block models. */
  private static TrainingResult run(SparkSession spark, TrainingData data, Optimizer optimizer, Settings s,
      Controls controls, StepListener listener, List<VariableStart> starts, String modelDescription,
      BiFunction<TrainingData, BatchPlan, DatasetLoss> objectives) {
    long start = System.nanoTime();
    BatchPlan plan = s.batchSize() == 0
        ? BatchPlan.fullBatch(data.rowsPerPartition())
        : BatchPlan.miniBatch(data.rowsPerPartition(), s.batchSize(), s.seed());
    long steps = s.maxSteps();
    TrainingResult.StopReason limit = TrainingResult.StopReason.STEPS;
    if (s.maxEpochs() > 0 && s.maxEpochs() * plan.stepsPerEpoch() < steps) {
      steps = s.maxEpochs() * plan.stepsPerEpoch();
      limit = TrainingResult.StopReason.EPOCHS;
    }
    EarlyStopping es = controls.earlyStopping();
    if (es != null && es.validation().numFeatures() != data.numFeatures()) {
      throw new IllegalArgumentException("the validation rows have " + es.validation().numFeatures()
          + " features, the training rows " + data.numFeatures() + ": they must match");
    }
    DatasetLoss objective = objectives.apply(data, plan);
    DatasetLoss validation = null;
    objective.bindSteps(optimizer);
    objective.setAggregationDepth(s.aggregationDepth());
    objective.setL1(s.l1());
    boolean sharded = starts.stream().anyMatch(v -> v.layout().numShards() > 1);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Variable> vars = new ArrayList<>();
    MeshRuntime runtime = null;
    try {
      if (es != null) {
        validation = objectives.apply(es.validation(), BatchPlan.fullBatch(es.validation().rowsPerPartition()));
        validation.setAggregationDepth(s.aggregationDepth());
        validation.setL1(s.l1());
      }
      if (sharded) {
        runtime = MeshRuntime.create(spark, s.mesh()).setAggregationDepth(s.aggregationDepth())
            .setCheckpointInterval(s.checkpointInterval()).setTotalSteps(optimizer.iterations() + steps);
        for (VariableStart v : starts) {
          vars.add(v.generateOnShards()
              ? runtime.variable(v.name(), s.dtype(), v.shape(), v.initializer(), v.seed(), v.layout())
              : runtime.variable(v.name(), v.initial(s.dtype()), v.layout()));
        }
      } else {
        for (VariableStart v : starts) {
          vars.add(new Variable(v.name(), v.initial(s.dtype())));
        }
      }
      NonFiniteGradient mode = controls.onNonFinite();
      if (mode != NonFiniteGradient.PROPAGATE || es != null) {
        optimizer.build(vars); // the slots must exist to be saved (and EMA averages read) before step 1
      }
      double[] history = new double[(int) steps];
      List<Double> validationHistory = new ArrayList<>();
      CheckpointPolicy policy = controls.checkpoints();
      CheckpointStore store = policy == null ? null
          : new CheckpointStore(policy.directory(), spark.sparkContext().hadoopConfiguration(), policy.keep());
      ObjectNode identity = fitIdentity(s, data, optimizer, steps, modelDescription);
      int taken = policy != null && policy.resume() ? resume(store, identity, optimizer, vars, history) : 0;
      long first = optimizer.iterations() - taken;
      TrainingMetrics.onFitStart(steps - taken, limit.key());
      LOG.debug("planned {} steps, the {} limit (maxIter {}; maxEpochs {}, {} steps per epoch){}", steps,
          limit.key(), s.maxSteps(), s.maxEpochs(), plan.stepsPerEpoch(), s.tol() > 0 ? "; tol " + s.tol() + " may end the fit sooner" : "");
      long skipped = 0;
      double best = Double.POSITIVE_INFINITY;
      Tensor[] bestWeights = null;
      long bestStep = -1;
      int sinceBest = 0;
      boolean stoppedEarly = false;
      boolean previousSkipped = false;
      boolean pathsLogged = false;
      while (taken < steps) {
        long step = optimizer.iterations();
        if (runtime == null) {
          jsc.setJobDescription("meshgrad step " + (step + 1) + "/" + (first + steps));
        }
        StepOutcome outcome = mode == NonFiniteGradient.PROPAGATE
            ? new StepOutcome(optimizer.minimize(objective, vars), null)
            : sharded ? guardedShardedStep(optimizer, objective, vars, mode) : guardedDriverStep(optimizer, objective, vars);
        double loss = outcome.loss();
        history[taken++] = loss;
        if (runtime != null && !pathsLogged) {
          pathsLogged = true;
          logPaths(runtime, vars);
        }
        if (outcome.problem() != null) {
          if (mode == NonFiniteGradient.ERROR) {
            throw nonFinite(step + 1, outcome, java.util.Arrays.copyOf(history, taken - 1), first, plan,
                skipped, start, first + steps);
          }
          skipped++;
        }
        if (listener != null) {
          listener.onStep(step + 1, first + steps, plan.epochOf(step), loss);
        }
        if (store != null && (taken % policy.everySteps() == 0 || taken == steps)) {
          ObjectNode meta = identity.deepCopy();
          ArrayNode losses = meta.putArray("lossHistory");
          for (int i = 0; i < taken; i++) {
            losses.add(history[i]);
          }
          store.save(TrainingCheckpoint.capture(optimizer, vars, meta));
        }
        // a skipped step did not move the weights (and may have an infinite loss): its loss and the next one
        // say nothing about convergence
        boolean converged = s.tol() > 0 && taken > 1 && !previousSkipped && outcome.problem() == null
            && Math.abs(history[taken - 2] - loss) <= s.tol() * Math.max(1.0, Math.abs(loss));
        previousSkipped = outcome.problem() != null;
        boolean last = converged || taken == steps;
        if (validation != null && ((step + 1) % plan.stepsPerEpoch() == 0 || last)) {
          Tensor[] w = modelWeights(optimizer, vars);
          jsc.setJobDescription("meshgrad validation after step " + (step + 1));
          double vl = validation.evaluate(inProcess(vars, w)).loss();
          validationHistory.add(vl);
          if (es.improves(vl, best)) {
            best = vl;
            bestWeights = w;
            bestStep = step + 1;
            sinceBest = 0;
          } else if (++sinceBest >= es.patience()) {
            stoppedEarly = !last;
            if (stoppedEarly) {
              limit = TrainingResult.StopReason.EARLY_STOPPING;
            }
            break;
          }
        }
        if (converged) {
          limit = TrainingResult.StopReason.TOL;
          break;
        }
      }
      Tensor[] weights;
      if (bestWeights != null) {
        weights = bestWeights;
      } else {
        optimizer.finalizeVariableValues(vars);
        weights = readAll(vars);
        bestStep = -1;
      }
      long epochs = taken == 0 ? 0 : plan.epochOf(first + taken - 1) + 1;
      return new TrainingResult(List.of(weights), java.util.Arrays.copyOf(history, taken), taken,
          epochs, (System.nanoTime() - start) / 1e9, skipped,
          validationHistory.stream().mapToDouble(Double::doubleValue).toArray(), bestStep, stoppedEarly, limit,
          first + steps, first + taken, (double) (first + taken) / plan.stepsPerEpoch(), 0.0);
    } finally {
      jsc.setJobDescription(null);
      if (runtime != null) {
        runtime.close();
      }
      objective.close();
      if (validation != null) {
        validation.close();
      }
    }
  }

  /**
   * Says, once a sharded fit has taken a step, which path each variable took: the row-sparse pull
   * (the driver keeps no copy) or shipped from the driver's copy.
   */
  private static void logPaths(MeshRuntime runtime, List<Variable> vars) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    List<String> paths = new ArrayList<>();
    for (Variable v : vars) {
      DVariable d = (DVariable) v;
      paths.add(d.name() + " " + java.util.Arrays.toString(d.shape()) + ": "
          + (runtime.pullsRows(d) ? "row-sparse pull, no driver copy" : "shipped from the driver's copy"));
    }
    LOG.info("sharded variables on mesh {}: {}", runtime.mesh(), String.join("; ", paths));
  }

  // ------------------------------------------------------------------ checkpoints

  /** What must be the same for a checkpoint to be continued: settings, data shape and optimizer. */
  private static ObjectNode fitIdentity(Settings s, TrainingData data, Optimizer optimizer, long steps,
      String modelDescription) {
    ObjectNode id = JsonNodeFactory.instance.objectNode();
    if (modelDescription != null) {
      id.put("model", modelDescription);
    }
    id.put("settings", s.toString());
    id.put("plannedSteps", steps);
    id.put("rows", data.numRows());
    id.put("features", data.numFeatures());
    id.put("rowsPerPartition", java.util.Arrays.toString(data.rowsPerPartition()));
    id.set("optimizer", optimizer.getConfig());
    return id;
  }

  /**
   * Restores the newest valid checkpoint, if any, into the optimizer and variables and the loss
   * history; returns the number of steps it had taken (0 without a checkpoint).
   */
  private static int resume(CheckpointStore store, ObjectNode identity, Optimizer optimizer, List<Variable> vars,
      double[] history) {
    TrainingCheckpoint c = store.loadLatestValid();
    if (c == null) {
      return 0;
    }
    ObjectNode meta = c.metadata();
    for (String key : List.of("model", "settings", "plannedSteps", "rows", "features", "rowsPerPartition",
        "optimizer")) {
      if (identity.get(key) == null && meta.get(key) == null) {
        continue; // a linear fit's identity names no model
      }
      if (meta.get(key) == null || identity.get(key) == null
          || !identity.get(key).toString().equals(meta.get(key).toString())) {
        throw new IllegalArgumentException("cannot resume from the checkpoint in " + store + ": it was written by a "
            + "fit with " + key + " " + meta.get(key) + ", this fit has " + identity.get(key));
      }
    }
    c.restore(optimizer, vars);
    com.fasterxml.jackson.databind.JsonNode losses = meta.get("lossHistory");
    for (int i = 0; i < losses.size(); i++) {
      history[i] = losses.get(i).doubleValue();
    }
    LOG.info("resumed from the checkpoint at step {} in {}", c.iterations(), store);
    return losses.size();
  }

  // ------------------------------------------------------------------ non-finite steps

  /** The loss of a step and, when the step was not finite, what was wrong and the weights before it. */
  private record StepOutcome(double loss, Problem problem) {}

  /** A non-finite step: the first bad variable (null if only the loss), a description, the weights before. */
  private record Problem(String variable, String reason, Tensor[] before) {}

  /** What {@link #inspect} found: the first bad variable (null if only the loss) and a description. */
  private record Finding(String variable, String reason) {}

  /** Checks the loss and gradients before the update and the weights after it; restores on failure. */
  private static StepOutcome guardedDriverStep(Optimizer optimizer, DatasetLoss objective, List<Variable> vars) {
    long step = optimizer.iterations();
    Tensor[] before = readAll(vars);
    LossAndGradients lg = objective.evaluate(vars);
    List<Tensor> gradientValues = new ArrayList<>();
    for (Gradient g : lg.gradients()) {
      gradientValues.add(g == null ? null : g.values());
    }
    Finding bad = inspect(lg.loss(), vars, gradientValues, "gradient");
    if (bad == null) {
      List<Variable> slots = optimizer.variables();
      Tensor[] slotsBefore = readAll(slots);
      List<GradientAndVariable> pairs = new ArrayList<>();
      for (int i = 0; i < vars.size(); i++) {
        pairs.add(new GradientAndVariable(lg.gradients().get(i), vars.get(i)));
      }
      optimizer.applyGradients(pairs);
      bad = inspect(0.0, vars, List.of(readAll(vars)), "updated value");
      if (bad != null) {
        assignAll(vars, before);
        assignAll(slots, slotsBefore);
      }
    }
    if (bad == null) {
      return new StepOutcome(lg.loss(), null);
    }
    optimizer.setIterations(step + 1);
    return new StepOutcome(lg.loss(), new Problem(bad.variable(), bad.reason(), before));
  }

  /** Checks the loss and the updated weights (the gradient stays on the executors); restores under SKIP. */
  private static StepOutcome guardedShardedStep(Optimizer optimizer, DatasetLoss objective, List<Variable> vars,
      NonFiniteGradient mode) {
    Tensor[] before = readAll(vars);
    List<Variable> slots = optimizer.variables();
    Tensor[] slotsBefore = mode == NonFiniteGradient.SKIP ? readAll(slots) : null;
    double loss = optimizer.minimize(objective, vars);
    Finding bad = inspect(loss, vars, List.of(readAll(vars)), "updated value");
    if (bad == null) {
      return new StepOutcome(loss, null);
    }
    if (mode == NonFiniteGradient.SKIP) {
      assignAll(vars, before);
      assignAll(slots, slotsBefore);
    }
    return new StepOutcome(loss, new Problem(bad.variable(), bad.reason(), before));
  }

  /**
   * The first variable whose tensor ({@code kind}: its gradient or updated value) holds a NaN or
   * infinity, and whether the loss is not finite; {@code null} when all is finite.
   */
  private static Finding inspect(double loss, List<Variable> vars, List<Tensor> tensors, String kind) {
    String lossPart = Double.isFinite(loss) ? null : "the loss is " + loss;
    for (int i = 0; i < vars.size(); i++) {
      Tensor t = tensors.get(i);
      int at = t == null ? -1 : firstNonFinite(t);
      if (at >= 0) {
        String part = "the " + kind + " of variable '" + vars.get(i).name() + "' is " + t.get(at) + " at element " + at;
        return new Finding(vars.get(i).name(), lossPart == null ? part : lossPart + " and " + part);
      }
    }
    return lossPart == null ? null : new Finding(null, lossPart);
  }

  private static int firstNonFinite(Tensor t) {
    if (t.dtype() == DType.FLOAT32) {
      float[] v = t.floats();
      for (int i = 0; i < v.length; i++) {
        if (!Float.isFinite(v[i])) {
          return i;
        }
      }
    } else {
      double[] v = t.doubles();
      for (int i = 0; i < v.length; i++) {
        if (!Double.isFinite(v[i])) {
          return i;
        }
      }
    }
    return -1;
  }

  private static NonFiniteGradientException nonFinite(long step, StepOutcome outcome, double[] historyBefore,
      long first, BatchPlan plan, long skipped, long start, long plannedSteps) {
    Problem p = outcome.problem();
    long epochs = historyBefore.length == 0 ? 0 : plan.epochOf(first + historyBefore.length - 1) + 1;
    long taken = historyBefore.length;
    TrainingResult lastGood = new TrainingResult(List.of(p.before()), historyBefore, taken, epochs,
        (System.nanoTime() - start) / 1e9, skipped, new double[0], -1, false, TrainingResult.StopReason.NON_FINITE,
        plannedSteps, first + taken, (double) (first + taken) / plan.stepsPerEpoch(), 0.0);
    String message = "training step " + step + " is not finite: " + p.reason()
        + ". onNonFiniteGradient=error stopped training and kept the weights from before step " + step
        + " (NonFiniteGradientException.lastGood()). Lower the learning rate, clip the gradients (clipnorm,"
        + " global_clipnorm, clipvalue), scale the features or labels, or choose onNonFiniteGradient=skip"
        + " or propagate";
    return new NonFiniteGradientException(message, step, p.variable(), lastGood);
  }

  // ------------------------------------------------------------------ helpers

  private static Tensor[] readAll(List<Variable> vars) {
    Tensor[] out = new Tensor[vars.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = vars.get(i).read();
    }
    return out;
  }

  private static void assignAll(List<Variable> vars, Tensor[] values) {
    for (int i = 0; i < values.length; i++) {
      vars.get(i).assign(values[i]);
    }
  }

  /**
   * The weights a model would get if training stopped now: the EMA averages when the optimizer
   * keeps them, else the variables' values.
   */
  private static Tensor[] modelWeights(Optimizer optimizer, List<Variable> vars) {
    Tensor[] out = new Tensor[vars.size()];
    for (int i = 0; i < out.length; i++) {
      Variable average = optimizer.useEma() ? optimizer.slot(vars.get(i), "average") : null;
      out[i] = average != null ? average.read() : vars.get(i).read();
    }
    return out;
  }

  /** In-process variables with the given values and the names of {@code like}. */
  private static List<Variable> inProcess(List<Variable> like, Tensor[] values) {
    List<Variable> out = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      out.add(new Variable(like.get(i).name(), values[i]));
    }
    return out;
  }
}
