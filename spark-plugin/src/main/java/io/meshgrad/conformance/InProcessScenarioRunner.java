package io.meshgrad.conformance;

import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.GradientAndVariable;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.tensor.Gradient;
import java.util.ArrayList;
import java.util.List;

/**
 * Replays a scenario with the in-process {@link Adagrad}: the variables live in this JVM, whether
 * or not the scenario names a mesh (the numbers must be the same either way).
 */
public final class InProcessScenarioRunner implements ScenarioRunner {

  @Override
  public ScenarioResult run(Scenario scenario) {
    List<Variable> vars = new ArrayList<>();
    for (Scenario.VariableSpec spec : scenario.variables()) {
      vars.add(new Variable(spec.name(), spec.value()));
    }
    return replay(scenario, Adagrad.fromConfig(scenario.optimizer()), vars);
  }

  /**
   * Applies every step of {@code scenario} to {@code vars} (wherever they live), finalizes if
   * asked, and reads back the state.
   */
  static ScenarioResult replay(Scenario scenario, Adagrad optimizer, List<? extends Variable> vars) {
    for (List<Gradient> step : scenario.steps()) {
      List<GradientAndVariable> pairs = new ArrayList<>();
      for (int i = 0; i < vars.size(); i++) {
        pairs.add(new GradientAndVariable(step.get(i), vars.get(i)));
      }
      optimizer.applyGradients(pairs);
    }
    return result(scenario, optimizer, vars);
  }

  /**
   * Finalizes {@code vars} if the scenario asks and reads back the state after its steps, which
   * were applied to {@code vars} by {@code optimizer} (in this process or elsewhere).
   */
  static ScenarioResult result(Scenario scenario, Adagrad optimizer, List<? extends Variable> vars) {
    List<Variable> all = new ArrayList<>(vars);
    if (scenario.finalizeValues()) {
      optimizer.finalizeVariableValues(all);
    }
    optimizer.build(all);
    List<double[]> values = new ArrayList<>();
    List<double[]> accumulators = new ArrayList<>();
    List<double[]> averages = optimizer.useEma() ? new ArrayList<>() : null;
    for (Variable v : vars) {
      values.add(v.read().toDoubleArray());
      accumulators.add(optimizer.slot(v, "accumulator").read().toDoubleArray());
      if (averages != null) {
        averages.add(optimizer.slot(v, "average").read().toDoubleArray());
      }
    }
    return new ScenarioResult(scenario.name(), optimizer.iterations(), values, accumulators, averages);
  }
}
