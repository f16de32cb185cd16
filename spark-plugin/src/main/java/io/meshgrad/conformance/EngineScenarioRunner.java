package io.meshgrad.conformance;

import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.engine.StepEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Replays a scenario through the Spark paths of a fit, with its gradients as the "data" of a
 * {@link GradientReplayLoss} over {@code partitions} partitions: {@code stepsPerJob} 1 is the
 * job-per-step path (a Spark job per step, the partitions' sums gathered to the driver), more is
 * the many-steps-per-job engine ({@link StepEngine}: up to that many steps in one barrier job, the
 * tasks exchanging their partitions' sums and each stepping its own replica of the variables).
 * The variables are held whole (a scenario's mesh is not used: the numbers are the same either
 * way); the result must be the in-process one bit for bit.
 */
public final class EngineScenarioRunner implements ScenarioRunner {
  private final Supplier<SparkSession> spark;
  private final int partitions;
  private final int stepsPerJob;

  /**
   * @param spark the session
   * @param partitions data partitions, {@code >= 1} (the engine needs as many free task slots)
   * @param stepsPerJob steps in one Spark job, {@code >= 1}
   */
  public EngineScenarioRunner(Supplier<SparkSession> spark, int partitions, int stepsPerJob) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
    }
    if (stepsPerJob < 1) {
      throw new IllegalArgumentException("stepsPerJob must be >= 1, got " + stepsPerJob);
    }
    this.spark = spark;
    this.partitions = partitions;
    this.stepsPerJob = stepsPerJob;
  }

  @Override
  public ScenarioResult run(Scenario scenario) {
    List<Variable> vars = new ArrayList<>();
    for (Scenario.VariableSpec spec : scenario.variables()) {
      vars.add(new Variable(spec.name(), spec.value()));
    }
    Adagrad optimizer = Adagrad.fromConfig(scenario.optimizer());
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.get().sparkContext());
    int steps = scenario.steps().size();
    try (GradientReplayLoss loss = new GradientReplayLoss(jsc, scenario, partitions, optimizer.iterations())) {
      loss.bindSteps(optimizer);
      if (stepsPerJob == 1) {
        for (int s = 0; s < steps; s++) {
          optimizer.minimize(loss, vars);
        }
      } else if (steps > 0) {
        StepEngine engine = StepEngine.create(jsc, loss);
        for (int done = 0; done < steps; ) {
          int count = Math.min(stepsPerJob, steps - done);
          StepEngine.Steps taken = engine.run(optimizer, vars, count, steps, 0, Double.NaN, false);
          if (taken.losses().length != count) {
            throw new IllegalStateException("the engine took " + taken.losses().length + " of " + count + " steps");
          }
          done += count;
        }
      }
    }
    return InProcessScenarioRunner.result(scenario, optimizer, vars);
  }
}
