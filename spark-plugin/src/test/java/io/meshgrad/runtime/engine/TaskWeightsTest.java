package io.meshgrad.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.GradientAndVariable;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.StepWeights;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An engine task's weights ({@link TaskWeights}): the rows gathered straight from float and double
 * tensors are exactly the rows of the widened whole values (what the job path's {@link
 * StepWeights#of} gathers), and a variable asked for whole stays equal to its tensor, bit for bit,
 * after sparse steps refresh it at their rows only.
 */
class TaskWeightsTest {

  private static List<Variable> vars() {
    float[] w = new float[6 * 3];
    for (int i = 0; i < w.length; i++) {
      w[i] = 0.1f * i - 0.7f;
    }
    double[] v = new double[6];
    for (int i = 0; i < v.length; i++) {
      v[i] = Math.PI * i - 1.3;
    }
    return List.of(new Variable("w", Tensor.of(w, 6, 3)), new Variable("v", Tensor.of(v, 6)));
  }

  private static void assertRowsAsWidened(TaskWeights weights, List<Variable> vars, int[] rows) {
    double[][] whole = {vars.get(0).value().toDoubleArray(), vars.get(1).value().toDoubleArray()};
    assertArrayEquals(StepWeights.of(whole).rows(0, rows, 3), weights.rows(0, rows, 3));
    assertArrayEquals(StepWeights.of(whole).rows(1, rows, 1), weights.rows(1, rows, 1));
  }

  @Test
  void rowsAreTheWidenedRowsAndAWholeCopyFollowsTheSteps() {
    List<Variable> vars = vars();
    Optimizer opt = Adagrad.builder().learningRate(0.5).build();
    opt.build(vars);
    TaskWeights weights = new TaskWeights(2);
    weights.refresh(vars, StepChanges.all(2));
    int[] rows = {0, 2, 5};
    assertRowsAsWidened(weights, vars, rows);
    double[] kept = weights.whole(0);
    assertArrayEquals(vars.get(0).value().toDoubleArray(), kept);
    assertNotSame(kept, weights.rows(0, new int[] {0, 1, 2, 3, 4, 5}, 3), "rows are a new array");

    for (float x : new float[] {1, -2, 3}) {
      List<Gradient> g = List.of(
          new IndexedSlices(new int[] {4, 1, 4}, Tensor.of(new float[] {x, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3), 6, 3),
          new IndexedSlices(new int[] {2}, Tensor.of(new double[] {x}, 1), 6));
      StepChanges changes = StepChanges.of(opt, vars, g);
      List<GradientAndVariable> gv = new ArrayList<>();
      for (int i = 0; i < vars.size(); i++) {
        gv.add(new GradientAndVariable(g.get(i), vars.get(i)));
      }
      opt.applyGradients(gv);
      weights.refresh(vars, changes);
      assertArrayEquals(vars.get(0).value().toDoubleArray(), weights.whole(0), "the kept copy at the changed rows");
      assertRowsAsWidened(weights, vars, new int[] {1, 2, 4});
    }
  }
}
