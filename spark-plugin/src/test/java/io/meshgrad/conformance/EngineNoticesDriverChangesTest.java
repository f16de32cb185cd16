package io.meshgrad.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshgrad.LogCapture;
import io.meshgrad.SparkTestSession;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.engine.StepEngine;
import io.meshgrad.tensor.Tensor;
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
 * The driver notices every change made to its state between two engine jobs, by each path that
 * can make one (an assign, setWeights, a restore of variables, slots and iteration count, the
 * iteration count alone, an EMA overwrite, a step on the job-per-step path): the next job ships
 * the state instead of letting its tasks start from their replicas, and the result is the
 * job-per-step path's bit for bit. Writing back the values the variables already hold changes
 * nothing, and the next job starts from the replicas ({@code local[2]}, 2 partitions).
 */
class EngineNoticesDriverChangesTest {

  /** A change the driver makes between the first and the second engine job. */
  private enum Change {
    ASSIGN, SET_WEIGHTS, RESTORE, SET_ITERATIONS, EMA_OVERWRITE, JOB_PATH_STEP, SAME_VALUES
  }

  /** The state right after the optimizer was built, for {@link Change#RESTORE}. */
  private record Saved(List<Tensor> values, List<Tensor> slots, long iterations) {}

  private static void change(Change c, List<Variable> vars, Adagrad optimizer, GradientReplayLoss loss, Saved saved) {
    switch (c) {
      case ASSIGN -> vars.get(1).assign(EngineResidentStateTest.halved(vars.get(1).read()));
      case SET_WEIGHTS -> {
        List<Tensor> slots = new ArrayList<>(optimizer.getWeights());
        slots.set(slots.size() - 1, EngineResidentStateTest.halved(slots.get(slots.size() - 1)));
        optimizer.setWeights(slots);
      }
      case RESTORE -> {
        for (int i = 0; i < vars.size(); i++) {
          vars.get(i).assign(saved.values().get(i));
        }
        optimizer.setWeights(saved.slots());
        optimizer.setIterations(saved.iterations());
      }
      case SET_ITERATIONS -> optimizer.setIterations(optimizer.iterations() + 1);
      case EMA_OVERWRITE -> optimizer.finalizeVariableValues(vars);
      case JOB_PATH_STEP -> optimizer.minimize(loss, vars);
      case SAME_VALUES -> {
        for (Variable v : vars) {
          v.assign(v.read());
        }
        optimizer.setWeights(optimizer.getWeights());
      }
      default -> throw new IllegalArgumentException(c.name());
    }
  }

  /** Steps 2, the change, 2 more steps, 1 more: in engine jobs of those sizes, or one job-path step at a time. */
  private static ScenarioResult run(Scenario scenario, Change c, boolean engine, List<String> lines) {
    List<Variable> vars = new ArrayList<>();
    for (Scenario.VariableSpec spec : scenario.variables()) {
      vars.add(new Variable(spec.name(), spec.value()));
    }
    Adagrad optimizer = Adagrad.fromConfig(scenario.optimizer());
    optimizer.build(vars);
    Saved saved = new Saved(vars.stream().map(Variable::read).toList(), optimizer.getWeights(), optimizer.iterations());
    SparkSession spark = SparkTestSession.get();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    try (GradientReplayLoss loss = new GradientReplayLoss(jsc, scenario, 2, optimizer.iterations());
        LogCapture log = LogCapture.start(StepEngine.class.getName(), Level.DEBUG)) {
      loss.bindSteps(optimizer);
      StepEngine e = engine ? StepEngine.create(jsc, loss) : null;
      for (int p : new int[] {2, 0, 2, 1}) {
        if (p == 0) {
          change(c, vars, optimizer, loss, saved);
        } else if (engine) {
          assertEquals(p, e.run(optimizer, vars, p, 10, 0, Double.NaN, false).losses().length);
        } else {
          for (int s = 0; s < p; s++) {
            optimizer.minimize(loss, vars);
          }
        }
      }
      if (lines != null) {
        for (org.apache.logging.log4j.core.LogEvent ev : log.events(Level.DEBUG, StepEngine.class.getName())) {
          String m = ev.getMessage().getFormattedMessage();
          if (m.contains("the closure carries") || m.contains("start from their replicas")) {
            lines.add(m);
          }
        }
      }
    }
    return InProcessScenarioRunner.result(scenario, optimizer, vars);
  }

  @Test
  void theNextJobShipsTheStateAfterEveryKindOfChangeBetweenJobs(@TempDir Path dir) throws IOException {
    Scenario s = EngineResidentStateTest.scenario(dir, "float32");
    for (Change c : Change.values()) {
      List<String> lines = new ArrayList<>();
      ScenarioResult engine = run(s, c, true, lines);
      assertEquals(run(s, c, false, null).toJsonLine(), engine.toJsonLine(), c + ": engine against job-per-step");
      List<Boolean> shipped = lines.stream().map(l -> l.contains("the closure carries the state")).toList();
      // jobs: the first ships; after a change the second ships, and the third starts from the replicas
      List<Boolean> expected = c == Change.SAME_VALUES ? List.of(true, false, false) : List.of(true, true, false);
      assertEquals(expected, shipped, c + ": " + lines);
    }
  }
}
