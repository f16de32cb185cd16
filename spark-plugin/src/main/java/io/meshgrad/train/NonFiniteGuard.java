package io.meshgrad.train;

import static io.meshgrad.train.VariableValues.assignAll;
import static io.meshgrad.train.VariableValues.readAll;

import io.meshgrad.data.BatchPlan;
import io.meshgrad.optimizer.GradientAndVariable;
import io.meshgrad.optimizer.LossAndGradients;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.DatasetLoss;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * One training step under a {@link NonFiniteGradient} policy: what is checked before and after the
 * update, and how the weights and slots are put back (see {@link MeshTrainer#fit(
 * org.apache.spark.sql.SparkSession, io.meshgrad.data.TrainingData, io.meshgrad.loss.BlockLoss,
 * Optimizer, MeshTrainer.Settings, MeshTrainer.Controls, StepListener)} for the guarantees).
 */
final class NonFiniteGuard {
  /** The loss of a step and, when the step was not finite, what was wrong and the weights before it. */
  record StepOutcome(double loss, Problem problem) {}

  /** A non-finite step: the first bad variable (null if only the loss), a description, the weights before. */
  record Problem(String variable, String reason, Tensor[] before) {}

  /** What {@link #inspect} found: the first bad variable (null if only the loss) and a description. */
  private record Finding(String variable, String reason) {}

  private final NonFiniteGradient mode;
  private final boolean sharded;

  NonFiniteGuard(NonFiniteGradient mode, boolean sharded) {
    this.mode = mode;
    this.sharded = sharded;
  }

  /** Takes one step of {@code optimizer} on {@code objective}, checked as the policy says. */
  StepOutcome step(Optimizer optimizer, DatasetLoss objective, List<Variable> vars) {
    if (mode == NonFiniteGradient.PROPAGATE) {
      return new StepOutcome(optimizer.minimize(objective, vars), null);
    }
    return sharded ? shardedStep(optimizer, objective, vars) : driverStep(optimizer, objective, vars);
  }

  /** Checks the loss and gradients before the update and the weights after it; restores on failure. */
  private StepOutcome driverStep(Optimizer optimizer, DatasetLoss objective, List<Variable> vars) {
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
  private StepOutcome shardedStep(Optimizer optimizer, DatasetLoss objective, List<Variable> vars) {
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

  /** The exception that {@code onNonFiniteGradient=error} ends a fit with, carrying the last good weights. */
  static NonFiniteGradientException error(long step, Problem p, double[] historyBefore, long first, BatchPlan plan,
      long skipped, double seconds, long plannedSteps) {
    long taken = historyBefore.length;
    long epochs = taken == 0 ? 0 : plan.epochOf(first + taken - 1) + 1;
    TrainingResult lastGood = new TrainingResult(List.of(p.before()), historyBefore, taken, epochs,
        seconds, skipped, new double[0], -1, false, TrainingResult.StopReason.NON_FINITE, plannedSteps, first + taken,
        (double) (first + taken) / plan.stepsPerEpoch(), 0.0);
    String message = "training step " + step + " is not finite: " + p.reason()
        + ". onNonFiniteGradient=error stopped training and kept the weights from before step " + step
        + " (NonFiniteGradientException.lastGood()). Lower the learning rate, clip the gradients (clipnorm,"
        + " global_clipnorm, clipvalue), scale the features or labels, or choose onNonFiniteGradient=skip"
        + " or propagate";
    return new NonFiniteGradientException(message, step, p.variable(), lastGood);
  }
}
