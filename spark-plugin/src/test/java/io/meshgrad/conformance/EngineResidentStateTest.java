package io.meshgrad.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshgrad.LogCapture;
import io.meshgrad.SparkTestSession;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.engine.StepEngine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's tasks keep their replicas of the state between the jobs of a fit: a job whose
 * start state is what the last job left ships no tensors; one whose state the driver changed in
 * between (here a step on the job-per-step path, then an assign) ships it again; the result is
 * the job-per-step path's bit for bit ({@code local[2]}, 2 partitions).
 */
class EngineResidentStateTest {

  static Scenario scenario(Path dir, String dtype) throws IOException {
    StringBuilder steps = new StringBuilder();
    for (int s = 0; s < 10; s++) {
      double a = 0.1 * (s + 1);
      steps.append(s == 0 ? "" : ", ").append("{\"gradients\": [{\"dense\": [").append(a).append(", ")
          .append(-a / 3).append(", 0.25, ").append(a * a).append("]}, {\"indices\": [").append(s % 3).append(", 1], ")
          .append("\"values\": [").append(a).append(", ").append(-0.5 * a).append("]}]}");
    }
    String json = "{\"format\": \"meshgrad-scenario/1\", \"name\": \"resident\", \"dtype\": \"" + dtype + "\", "
        + "\"optimizer\": {\"name\": \"Adagrad\", \"learning_rate\": 0.1, \"initial_accumulator_value\": 0.1, "
        + "\"epsilon\": 1e-07, \"use_ema\": true, \"ema_momentum\": 0.9, \"ema_overwrite_frequency\": 4}, "
        + "\"variables\": [{\"name\": \"w\", \"shape\": [4], \"value\": [0.5, -1.0, 2.0, 0.0]}, "
        + "{\"name\": \"e\", \"shape\": [3, 1], \"value\": [1.0, 2.0, 3.0]}], \"steps\": [" + steps + "]}";
    Path file = dir.resolve("resident-" + dtype + ".json");
    java.nio.file.Files.writeString(file, json);
    return Scenario.read(file);
  }

  /** Runs the scenario's 10 steps: engine jobs of 3 and 2 steps, a job-path step, an assign, and more engine jobs. */
  private static ScenarioResult run(Scenario scenario, boolean engine, List<String> lines) {
    List<Variable> vars = new ArrayList<>();
    for (Scenario.VariableSpec spec : scenario.variables()) {
      vars.add(new Variable(spec.name(), spec.value()));
    }
    Adagrad optimizer = Adagrad.fromConfig(scenario.optimizer());
    SparkSession spark = SparkTestSession.get();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    try (GradientReplayLoss loss = new GradientReplayLoss(jsc, scenario, 2, optimizer.iterations());
        LogCapture log = LogCapture.start(StepEngine.class.getName(), Level.DEBUG)) {
      loss.bindSteps(optimizer);
      StepEngine e = engine ? StepEngine.create(jsc, loss) : null;
      int[] plan = {3, 2, -1, 2, 0, 1, 1};
      for (int p : plan) {
        if (p == 0) {
          // the driver changes a variable between two jobs: the next job must ship the state again
          vars.get(0).assign(halved(vars.get(0).read()));
        } else if (p < 0 || !engine) {
          for (int s = 0; s < Math.abs(p); s++) {
            optimizer.minimize(loss, vars);
          }
        } else {
          assertEquals(p, e.run(optimizer, vars, p, 10, 0, Double.NaN, false).losses().length);
        }
      }
      if (lines != null) {
        for (org.apache.logging.log4j.core.LogEvent ev : log.events(Level.DEBUG, StepEngine.class.getName())) {
          String m = ev.getMessage().getFormattedMessage();
          if (m.contains("the closure carries") || m.contains("start from their replicas") || m.contains("fetched")) {
            lines.add(m);
          }
        }
      }
    }
    return InProcessScenarioRunner.result(scenario, optimizer, vars);
  }

  static io.meshgrad.tensor.Tensor halved(io.meshgrad.tensor.Tensor t) {
    if (t.dtype() == io.meshgrad.tensor.DType.FLOAT64) {
      double[] d = t.doubles().clone();
      for (int i = 0; i < d.length; i++) {
        d[i] *= 0.5;
      }
      return io.meshgrad.tensor.Tensor.of(d, t.shape());
    }
    float[] f = t.floats().clone();
    for (int i = 0; i < f.length; i++) {
      f[i] *= 0.5f;
    }
    return io.meshgrad.tensor.Tensor.of(f, t.shape());
  }

  @Test
  void aJobShipsTheStateOnlyWhenTheDriverChangedItSinceTheLastJob(@TempDir Path dir) throws IOException {
    for (String dtype : new String[] {"float32", "float64"}) {
      Scenario s = scenario(dir, dtype);
      ScenarioResult jobPerStep = run(s, false, null);
      List<String> lines = new ArrayList<>();
      ScenarioResult engine = run(s, true, lines);
      assertEquals(jobPerStep.toJsonLine(), engine.toJsonLine(), dtype + ": engine with state changes between jobs");
      List<Boolean> shipped = lines.stream().filter(l -> !l.contains("fetched"))
          .map(l -> l.contains("the closure carries the state")).toList();
      // jobs: 3 steps (first), 2 (replicas), [job-path step], 2 (shipped), [assign], 1 (shipped), 1 (replicas)
      assertEquals(List.of(true, false, true, true, false), shipped, dtype + ": " + lines);
      assertEquals(0, lines.stream().filter(l -> l.contains("fetched")).count(),
          dtype + ": in local mode every task finds its replica: " + lines);
    }
  }
}
