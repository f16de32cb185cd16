package io.meshgrad.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.GradientAndVariable;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The replica's row-wise bookkeeping ({@link StepChanges}): after a sparse step, refreshing only
 * the changed rows of the widened weights gives what widening everything gives, an undo puts back
 * every bit of the variables and slots, and the finiteness check of the changed rows sees a
 * non-finite row; steps that change everything (dense gradients, weight decay) fall back to whole copies.
 */
class StepChangesTest {

  private static List<Variable> vars() {
    float[] w = new float[6 * 3];
    for (int i = 0; i < w.length; i++) {
      w[i] = 0.1f * i - 0.7f;
    }
    return List.of(new Variable("w", Tensor.of(w, 6, 3)), new Variable("b", Tensor.of(new float[] {0.25f}, 1)));
  }

  private static List<Gradient> sparse(float x) {
    return List.of(new IndexedSlices(new int[] {4, 1, 4}, Tensor.of(new float[] {x, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3),
        6, 3), Tensor.of(new float[] {0.5f}, 1));
  }

  private static void apply(Optimizer opt, List<Variable> vars, List<Gradient> g) {
    List<GradientAndVariable> gv = new ArrayList<>();
    for (int i = 0; i < vars.size(); i++) {
      gv.add(new GradientAndVariable(g.get(i), vars.get(i)));
    }
    opt.applyGradients(gv);
  }

  private static List<Tensor> state(List<Variable> vars, Optimizer opt) {
    List<Tensor> out = new ArrayList<>();
    vars.forEach(v -> out.add(v.read()));
    out.addAll(opt.getWeights());
    return out;
  }

  @Test
  void aSparseStepIsRefreshedCheckedAndUndoneAtItsRowsOnly() {
    List<Variable> vars = vars();
    Optimizer opt = Adagrad.builder().learningRate(0.5).build();
    opt.build(vars);
    double[][] widened = new double[2][];
    StepChanges.all(2).widen(vars, widened);
    List<Gradient> g = sparse(1);
    StepChanges changes = StepChanges.of(opt, vars, g);
    assertFalse(changes.rowLocal(), "the bias' gradient is dense");

    List<Gradient> onlyRows = new ArrayList<>(g);
    onlyRows.set(1, null);
    changes = StepChanges.of(opt, vars, onlyRows);
    assertTrue(changes.rowLocal());
    List<Tensor> before = state(vars, opt);
    StepChanges.Undo undo = new StepChanges.Undo(changes, vars, opt);
    apply(opt, vars, onlyRows);
    changes.widen(vars, widened);
    assertArrayEquals(vars.get(0).value().toDoubleArray(), widened[0]);
    assertArrayEquals(vars.get(1).value().toDoubleArray(), widened[1]);
    assertTrue(changes.finite(vars, true));
    assertFalse(before.equals(state(vars, opt)), "the step changed something");
    undo.restore();
    assertEquals(before, state(vars, opt), "the undo puts back every bit");

    List<Gradient> bad = new ArrayList<>(sparse(Float.POSITIVE_INFINITY));
    bad.set(1, null);
    StepChanges badChanges = StepChanges.of(opt, vars, bad);
    apply(opt, vars, bad);
    assertFalse(badChanges.finite(vars, true), "row 4 holds a non-finite value now");
  }

  @Test
  void stepsThatChangeEverythingAreCopiedWhole() {
    List<Variable> vars = vars();
    Optimizer opt = Adagrad.builder().learningRate(0.5).weightDecay(0.1).build();
    opt.build(vars);
    List<Gradient> g = new ArrayList<>(sparse(1));
    g.set(1, null);
    StepChanges changes = StepChanges.of(opt, vars, g);
    assertFalse(changes.rowLocal(), "weight decay changes every row");
    double[][] widened = new double[2][];
    StepChanges.all(2).widen(vars, widened);
    List<Tensor> before = state(vars, opt);
    StepChanges.Undo undo = new StepChanges.Undo(changes, vars, opt);
    apply(opt, vars, g);
    changes.widen(vars, widened);
    assertArrayEquals(vars.get(0).value().toDoubleArray(), widened[0]);
    undo.restore();
    assertEquals(before, state(vars, opt));
  }
}
