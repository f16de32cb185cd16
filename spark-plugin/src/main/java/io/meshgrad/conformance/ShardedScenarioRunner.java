package io.meshgrad.conformance;

import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.runtime.DVariable;
import io.meshgrad.runtime.MeshRuntime;
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
    try (MeshRuntime runtime = MeshRuntime.create(spark.get(), mesh)) {
      List<DVariable> vars = new ArrayList<>();
      for (Scenario.VariableSpec spec : scenario.variables()) {
        Layout layout = spec.layout() == null ? null : Layout.of(mesh, spec.layout());
        vars.add(runtime.variable(spec.name(), spec.value(), layout));
      }
      return InProcessScenarioRunner.replay(scenario, Adagrad.fromConfig(scenario.optimizer()), vars);
    }
  }
}
