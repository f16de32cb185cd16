package io.meshgrad.train;

import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.TrainingData;
import io.meshgrad.metrics.TrainingMetrics;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.DVariable;
import io.meshgrad.runtime.DatasetLoss;
import io.meshgrad.runtime.MeshRuntime;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fit's training loop, shared by linear and block models: creates the variables (on a {@link
 * MeshRuntime} when any is sharded), resumes from a checkpoint, then steps until the step or epoch
 * limit, convergence ({@code tol}) or early stopping ends it, with the non-finite policy around
 * every step, checkpoints after steps and validation after each epoch.
 */
final class TrainingLoop {
  private static final Logger LOG = LoggerFactory.getLogger(MeshTrainer.class);

  private final SparkSession spark;
  private final Optimizer optimizer;
  private final MeshTrainer.Settings settings;
  private final MeshTrainer.Controls controls;
  private final StepListener listener;
  private final List<VariableStart> starts;
  private final BatchPlan plan;
  private final long steps;
  /** The limit that ends the fit unless tol or early stopping ends it sooner: steps or epochs. */
  private final TrainingResult.StopReason limit;
  private final String modelDescription;
  private final BiFunction<TrainingData, BatchPlan, DatasetLoss> objectives;
  private final TrainingData data;

  TrainingLoop(SparkSession spark, TrainingData data, Optimizer optimizer, MeshTrainer.Settings settings,
      MeshTrainer.Controls controls, StepListener listener, List<VariableStart> starts, String modelDescription,
      BiFunction<TrainingData, BatchPlan, DatasetLoss> objectives) {
    this.spark = spark;
    this.data = data;
    this.optimizer = optimizer;
    this.settings = settings;
    this.controls = controls;
    this.listener = listener;
    this.starts = starts;
    this.objectives = objectives;
    this.modelDescription = modelDescription;
    this.plan = settings.batchSize() == 0
        ? BatchPlan.fullBatch(data.rowsPerPartition())
        : BatchPlan.miniBatch(data.rowsPerPartition(), settings.batchSize(), settings.seed());
    if (settings.maxEpochs() > 0 && settings.maxEpochs() * plan.stepsPerEpoch() < settings.maxSteps()) {
      this.steps = settings.maxEpochs() * plan.stepsPerEpoch();
      this.limit = TrainingResult.StopReason.EPOCHS;
    } else {
      this.steps = settings.maxSteps();
      this.limit = TrainingResult.StopReason.STEPS;
    }
    EarlyStopping es = controls.earlyStopping();
    if (es != null && es.validation().numFeatures() != data.numFeatures()) {
      throw new IllegalArgumentException("the validation rows have " + es.validation().numFeatures()
          + " features, the training rows " + data.numFeatures() + ": they must match");
    }
  }

  TrainingResult run() {
    long start = System.nanoTime();
    DatasetLoss objective = objective(data, plan);
    objective.bindSteps(optimizer);
    boolean sharded = starts.stream().anyMatch(v -> v.layout().numShards() > 1);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    MeshRuntime runtime = null;
    ValidationTracker validation = null;
    try {
      EarlyStopping es = controls.earlyStopping();
      if (es != null) {
        validation = new ValidationTracker(es,
            objective(es.validation(), BatchPlan.fullBatch(es.validation().rowsPerPartition())));
      }
      if (sharded) {
        runtime = MeshRuntime.create(spark, settings.mesh()).setAggregationDepth(settings.aggregationDepth())
            .setCheckpointInterval(settings.checkpointInterval()).setTotalSteps(optimizer.iterations() + steps);
      }
      List<Variable> vars = new ArrayList<>();
      for (VariableStart v : starts) {
        vars.add(v.create(runtime, settings.dtype()));
      }
      NonFiniteGradient mode = controls.onNonFinite();
      if (mode != NonFiniteGradient.PROPAGATE || es != null) {
        optimizer.build(vars); // the slots must exist to be saved (and EMA averages read) before step 1
      }
      NonFiniteGuard guard = new NonFiniteGuard(mode, sharded);
      double[] history = new double[(int) steps];
      FitCheckpoints checkpoints = controls.checkpoints() == null ? null
          : new FitCheckpoints(controls.checkpoints(), spark.sparkContext().hadoopConfiguration(),
              FitCheckpoints.identity(settings, data, optimizer, steps, modelDescription));
      int taken = checkpoints == null ? 0 : checkpoints.resume(optimizer, vars, history);
      long first = optimizer.iterations() - taken;
      TrainingMetrics.onFitStart(steps - taken, limit.key());
      LOG.debug("planned {} steps, the {} limit (maxIter {}; maxEpochs {}, {} steps per epoch){}", steps, limit.key(),
          settings.maxSteps(), settings.maxEpochs(), plan.stepsPerEpoch(),
          settings.tol() > 0 ? "; tol " + settings.tol() + " may end the fit sooner" : "");
      TrainingResult.StopReason reason = limit;
      long skipped = 0;
      boolean stoppedEarly = false;
      boolean previousSkipped = false;
      boolean pathsLogged = false;
      EngineSteps engine = EngineSteps.choose(jsc, objective, runtime, vars, controls.stepsPerJob());
      while (taken < steps) {
        long step;
        NonFiniteGuard.StepOutcome outcome;
        if (engine != null && engine.hasNext(optimizer, vars,
            EngineSteps.jobLength(steps - taken, taken, optimizer.iterations(),
                controls.checkpoints() == null ? 0 : controls.checkpoints().everySteps(),
                validation == null ? 0 : plan.stepsPerEpoch()),
            first + steps, settings.tol(), taken > 0 && !previousSkipped ? history[taken - 1] : Double.NaN,
            mode != NonFiniteGradient.PROPAGATE)) {
          step = engine.nextStep(optimizer);
          outcome = new NonFiniteGuard.StepOutcome(engine.next(), null);
        } else {
          step = optimizer.iterations();
          if (runtime == null) {
            jsc.setJobDescription("meshgrad step " + (step + 1) + "/" + (first + steps));
          }
          outcome = guard.step(optimizer, objective, vars);
        }
        double loss = outcome.loss();
        history[taken++] = loss;
        if (runtime != null && !pathsLogged) {
          pathsLogged = true;
          logPaths(runtime, vars);
        }
        if (outcome.problem() != null) {
          if (mode == NonFiniteGradient.ERROR) {
            throw NonFiniteGuard.error(step + 1, outcome.problem(), Arrays.copyOf(history, taken - 1), first, plan,
                skipped, (System.nanoTime() - start) / 1e9, first + steps);
          }
          skipped++;
        }
        if (listener != null) {
          listener.onStep(step + 1, first + steps, plan.epochOf(step), loss);
        }
        if (checkpoints != null) {
          checkpoints.afterStep(taken, steps, optimizer, vars, history);
        }
        // a skipped step did not move the weights (and may have an infinite loss): its loss and the next one
        // say nothing about convergence
        boolean converged = settings.tol() > 0 && taken > 1 && !previousSkipped && outcome.problem() == null
            && Math.abs(history[taken - 2] - loss) <= settings.tol() * Math.max(1.0, Math.abs(loss));
        previousSkipped = outcome.problem() != null;
        boolean last = converged || taken == steps;
        if (validation != null && ((step + 1) % plan.stepsPerEpoch() == 0 || last)) {
          jsc.setJobDescription("meshgrad validation after step " + (step + 1));
          if (validation.evaluateAfter(step + 1, optimizer, vars)) {
            stoppedEarly = !last;
            if (stoppedEarly) {
              reason = TrainingResult.StopReason.EARLY_STOPPING;
            }
            break;
          }
        }
        if (converged) {
          reason = TrainingResult.StopReason.TOL;
          break;
        }
      }
      return result(vars, history, taken, first, skipped, validation, stoppedEarly, reason, start);
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

  private DatasetLoss objective(TrainingData rows, BatchPlan batches) {
    DatasetLoss objective = objectives.apply(rows, batches);
    objective.setAggregationDepth(settings.aggregationDepth());
    objective.setL1(settings.l1());
    return objective;
  }

  /** The best validated weights when early stopping kept some, else the final (EMA-finalized) values. */
  private TrainingResult result(List<Variable> vars, double[] history, int taken, long first, long skipped,
      ValidationTracker validation, boolean stoppedEarly, TrainingResult.StopReason reason, long start) {
    Tensor[] weights = validation == null ? null : validation.bestWeights();
    long bestStep = -1;
    if (weights != null) {
      bestStep = validation.bestStep();
    } else {
      optimizer.finalizeVariableValues(vars);
      weights = VariableValues.readAll(vars);
    }
    long epochs = taken == 0 ? 0 : plan.epochOf(first + taken - 1) + 1;
    double[] validationHistory = validation == null ? new double[0] : validation.history();
    return new TrainingResult(List.of(weights), Arrays.copyOf(history, taken), taken, epochs,
        (System.nanoTime() - start) / 1e9, skipped, validationHistory, bestStep, stoppedEarly, reason, first + steps,
        first + taken, (double) (first + taken) / plan.stepsPerEpoch(), 0.0);
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
      paths.add(d.name() + " " + Arrays.toString(d.shape()) + ": "
          + (runtime.pullsRows(d) ? "row-sparse pull, no driver copy" : "shipped from the driver's copy"));
    }
    LOG.info("sharded variables on mesh {}: {}", runtime.mesh(), String.join("; ", paths));
  }
}
