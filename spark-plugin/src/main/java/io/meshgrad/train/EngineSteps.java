package io.meshgrad.train;

import io.meshgrad.mesh.Mesh;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.DatasetLoss;
import io.meshgrad.runtime.engine.StepEngine;
import java.util.ArrayDeque;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop's steps on the many-steps-per-job engine ({@link StepEngine}): when no step is
 * pending it runs the next job, then hands the job's steps to the loop one at a time, so that the
 * loop's per-step work (history, listener, checkpoints, convergence, validation) stays the same.
 * A job ends where the loop must see the state between steps (see {@link #jobLength}); a step the
 * engine hands back as not finite goes to the loop's guarded job-per-step path.
 */
final class EngineSteps {
  private static final Logger LOG = LoggerFactory.getLogger(MeshTrainer.class);

  private final StepEngine engine;
  private final int stepsPerJob;
  private final ArrayDeque<Double> pending = new ArrayDeque<>();
  private boolean guardNext;

  private EngineSteps(StepEngine engine, int stepsPerJob) {
    this.engine = engine;
    this.stepsPerJob = stepsPerJob;
  }

  /**
   * The engine for {@code requested} steps per job ({@link MeshTrainer.Controls#stepsPerJob()}), or
   * {@code null} for one job per step: when 1 is requested, or 0 (automatic) where the engine
   * cannot run, which one INFO line says.
   *
   * @throws IllegalArgumentException in one line saying why, for {@code requested >= 2} where the
   *     engine cannot run
   */
  static EngineSteps choose(JavaSparkContext jsc, DatasetLoss objective, boolean sharded, Mesh mesh, int requested) {
    if (requested == 1) {
      return null;
    }
    String why = sharded
        ? "the engine runs variables held whole on the driver so far, and this fit's are sharded on mesh " + mesh
        : StepEngine.whyNot(jsc, objective);
    if (why == null) {
      return new EngineSteps(StepEngine.create(jsc, objective),
          requested == 0 ? MeshTrainer.AUTO_STEPS_PER_JOB : requested);
    }
    if (requested == 0) {
      LOG.info("stepsPerJob=0 (automatic): one Spark job per step, because {}", why);
      return null;
    }
    throw new IllegalArgumentException("stepsPerJob=" + requested + " cannot run: " + why
        + " (stepsPerJob=1 runs one Spark job per step; 0 chooses)");
  }

  /**
   * Whether the next step's loss comes from the engine: runs a job when none is pending (unless
   * the last job handed a step back, which the caller then runs on its guarded path).
   *
   * @param jobLength the steps the next job may run (see {@link #jobLength})
   * @param previousLoss the loss of the step before, NaN if none or if it was skipped (for {@code tol})
   * @param handBackNonFinite whether the loop checks non-finite steps (error or skip)
   */
  boolean hasNext(Optimizer optimizer, List<Variable> vars, int jobLength, long totalSteps, double tol,
      double previousLoss, boolean handBackNonFinite) {
    if (pending.isEmpty() && !guardNext) {
      StepEngine.Steps job = engine.run(optimizer, vars, Math.min(jobLength, stepsPerJob), totalSteps, tol,
          previousLoss, handBackNonFinite);
      for (double l : job.losses()) {
        pending.add(l);
      }
      guardNext = job.handedBack();
    }
    if (pending.isEmpty()) {
      guardNext = false; // the caller runs the handed-back step; the engine takes the one after
      return false;
    }
    return true;
  }

  /** The step number (0-based) of the next pending step. */
  long nextStep(Optimizer optimizer) {
    return optimizer.iterations() - pending.size();
  }

  /** The loss of the next pending step. */
  double next() {
    return pending.poll();
  }

  /**
   * Steps of the next job at most: the steps left, ending where the loop must see the state
   * between steps (an optimizer checkpoint every {@code checkpointEvery} steps taken, a validation
   * at the end of every epoch of {@code stepsPerEpoch} steps; 0 for none).
   */
  static int jobLength(long left, long taken, long iteration, int checkpointEvery, long stepsPerEpoch) {
    long n = Math.min(Integer.MAX_VALUE, left);
    if (checkpointEvery > 0) {
      n = Math.min(n, checkpointEvery - taken % checkpointEvery);
    }
    if (stepsPerEpoch > 0) {
      n = Math.min(n, stepsPerEpoch - iteration % stepsPerEpoch);
    }
    return (int) n;
  }
}
