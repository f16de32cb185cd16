package io.meshgrad.examples.bench;

import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.DatasetLoss;
import io.meshgrad.runtime.engine.StepEngine;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A model's steps on the many-steps-per-job engine ({@link StepEngine}, what {@code stepsPerJob}
 * turns on), for the suites' engine cases: {@code K} steps of {@code optimizer} on {@code vars} per
 * Spark job. Where the engine refuses the model (its own {@link StepEngine#whyNot} line, or the
 * {@link IllegalArgumentException} its {@code create}/{@code run} throws, e.g. for sharded
 * variables it does not run yet), {@link #refusal()} holds that reason and the case reports "not
 * supported" instead of failing the suite. The one place the bench calls the engine: when the
 * engine learns new kinds of variables, every engine case picks them up here.
 */
final class EngineRunner {
  private final StepEngine engine;
  private final Optimizer optimizer;
  private final List<Variable> vars;
  private final String refusal;
  private final List<Double> losses = new ArrayList<>();
  private long jobs;

  private EngineRunner(StepEngine engine, Optimizer optimizer, List<Variable> vars, String refusal) {
    this.engine = engine;
    this.optimizer = optimizer;
    this.vars = vars;
    this.refusal = refusal;
  }

  /**
   * The engine for these variables. With {@code probe}, runs one step on it at once (the model
   * takes that step), so that a refusal that only {@code run} finds (variables it cannot hold)
   * shows here and not in a timed repetition.
   */
  static EngineRunner start(JavaSparkContext jsc, DatasetLoss loss, Optimizer optimizer, List<Variable> vars,
      boolean probe) {
    String why = StepEngine.whyNot(jsc, loss);
    if (why != null) {
      return new EngineRunner(null, optimizer, vars, why);
    }
    EngineRunner r;
    try {
      r = new EngineRunner(StepEngine.create(jsc, loss), optimizer, vars, null);
      if (probe) {
        r.timeSteps(1, 1);
      }
    } catch (IllegalArgumentException e) {
      return new EngineRunner(null, optimizer, vars, e.getMessage());
    }
    return r;
  }

  /** Why the engine does not run this model (one line), or {@code null} when it does. */
  String refusal() {
    return refusal;
  }

  boolean runs() {
    return refusal == null;
  }

  /**
   * Runs {@code n} steps, at most {@code stepsPerJob} per job, and returns the milliseconds they
   * took; their losses are appended to {@link #losses()}.
   *
   * @throws IllegalStateException where the engine refused this model
   */
  double timeSteps(int n, int stepsPerJob) {
    if (refusal != null) {
      throw new IllegalStateException("the engine does not run this model: " + refusal);
    }
    long t0 = System.nanoTime();
    int done = 0;
    while (done < n) {
      int k = Math.min(stepsPerJob, n - done);
      StepEngine.Steps s = engine.run(optimizer, vars, k, 0, 0.0, Double.NaN, false);
      jobs++;
      for (double l : s.losses()) {
        losses.add(l);
      }
      done += s.losses().length;
      if (s.losses().length == 0) {
        throw new IllegalStateException("the engine ran no step of a job of " + k);
      }
    }
    return Measure.millisSince(t0);
  }

  /** The loss of every step run so far (the probe's included), in order. */
  List<Double> losses() {
    return losses;
  }

  /** Spark jobs the engine ran so far. */
  long jobs() {
    return jobs;
  }

  /** A "not supported" row for a case the engine refused: nothing measured, the reason recorded. */
  static CaseResult notSupported(String name, String peerName, String unit, double target, String reason) {
    return CaseResult.time(name, Double.NaN, Double.NaN, peerName, unit, target)
        .with("notSupported", reason);
  }

  /** The samples of the rounds after the warm-up ones (a list filled once per round, warm-up included). */
  static List<Double> recorded(List<Double> all, int warmup) {
    return all.subList(Math.min(warmup, all.size()), all.size());
  }

  /**
   * Adds the engine's comparison with the job-per-step path measured in the same run: its median
   * ({@code jobPerStepMsPerStep}) and {@code engineVsJobPerStep} (job-per-step / engine time, higher is
   * better for the engine).
   */
  static CaseResult withJobPerStep(CaseResult engineCase, double jobPerStepMs) {
    return withJobPerStep(engineCase, "jobPerStepMsPerStep", jobPerStepMs);
  }

  /** As above, the job-per-step median recorded under {@code key} (in the case's unit). */
  static CaseResult withJobPerStep(CaseResult engineCase, String key, double jobPerStep) {
    engineCase.with(key, Measure.round4(jobPerStep));
    double r = jobPerStep / engineCase.meshgrad();
    engineCase.with("engineVsJobPerStep", Double.isFinite(r) ? Measure.round4(r) : null);
    return engineCase;
  }
}
