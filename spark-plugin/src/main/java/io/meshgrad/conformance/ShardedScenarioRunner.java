package io.meshgrad.conformance;

import io.meshgrad.mesh.DVariable;
import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.mesh.MeshRuntime;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.GradientAndVariable;
import io.meshgrad.tensor.Gradient;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/**
 * Replays a scenario with its variables sharded on a Spark mesh: the scenario's own {@code mesh},
 * else {@code defaultMesh}; variables without a layout get {@link Layout#defaultFor} (axis 0 on
 * the first non-batch dimension). A scenario with neither mesh runs in process. The numbers must
 * match the in-process run within the conformance rule.
 */
public final class ShardedScenarioRunner implements ScenarioRunner {
  private final Supplier<SparkSession> spark;
  private final Mesh defaultMesh;
  private final ScenarioRunner inProcess = new InProcessScenarioRunner();

  /**
   * @param spark the session, asked for only when a scenario runs sharded
   * @param defaultMesh mesh for scenarios that carry none; {@code null} to run those in process
   */
  public ShardedScenarioRunner(Supplier<SparkSession> spark, Mesh defaultMesh) {
    this.spark = spark;
    this.defaultMesh = defaultMesh;
  }

  public ShardedScenarioRunner(SparkSession spark, Mesh defaultMesh) {
    this(() -> spark, defaultMesh);
  }

  @Override
  public ScenarioResult run(Scenario scenario) {
    Mesh mesh = scenario.mesh() != null && !scenario.mesh().isNull() ? Mesh.fromJson(scenario.mesh()) : defaultMesh;
    if (mesh == null) {
      return inProcess.run(scenario);
    }
    Adagrad optimizer = Adagrad.fromConfig(scenario.optimizer());
    try (MeshRuntime runtime = MeshRuntime.create(spark.get(), mesh)) {
      List<DVariable> vars = new ArrayList<>();
      for (Scenario.VariableSpec spec : scenario.variables()) {
        Layout layout = spec.layout() == null ? null : Layout.of(mesh, spec.layout());
        vars.add(runtime.variable(spec.name(), spec.value(), layout));
      }
      List<io.meshgrad.optimizer.Variable> asVariables = new ArrayList<>(vars);
      for (List<Gradient> step : scenario.steps()) {
        List<GradientAndVariable> pairs = new ArrayList<>();
        for (int i = 0; i < vars.size(); i++) {
          pairs.add(new GradientAndVariable(step.get(i), vars.get(i)));
        }
        optimizer.applyGradients(pairs);
      }
      if (scenario.finalizeValues()) {
        optimizer.finalizeVariableValues(asVariables);
      }
      optimizer.build(asVariables);
      List<double[]> values = new ArrayList<>();
      List<double[]> accumulators = new ArrayList<>();
      List<double[]> averages = optimizer.useEma() ? new ArrayList<>() : null;
      for (DVariable v : vars) {
        values.add(v.read().toDoubleArray());
        accumulators.add(optimizer.slot(v, "accumulator").read().toDoubleArray());
        if (averages != null) {
          averages.add(optimizer.slot(v, "average").read().toDoubleArray());
        }
      }
      return new ScenarioResult(scenario.name(), optimizer.iterations(), values, accumulators, averages);
    }
  }
}
