package io.meshgrad.runtime.engine;

import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.StepWeights;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.util.List;

/**
 * An engine task's variables as the partition's sums read them ({@link StepWeights}): the rows a
 * sparse step touches are gathered straight from the variables' tensors each time, and a variable
 * asked for whole is widened to double once, then kept between steps and brought up to date at
 * the elements each step changed ({@link #refresh}). A variable that only ever gives rows (the
 * feature-indexed ones of a sparse model) so never has a whole widened copy.
 */
final class TaskWeights implements StepWeights {
  private List<Variable> vars;
  /** Per variable: its kept widened copy, or {@code null} until asked for whole. */
  private final double[][] widened;

  TaskWeights(int numVariables) {
    this.widened = new double[numVariables][];
  }

  /**
   * Brings the kept widened copies up to date with {@code vars} (the task's variables, in the
   * loss's order) after a step that made {@code changes}; the step's sums then read {@code vars}.
   */
  void refresh(List<Variable> vars, StepChanges changes) {
    this.vars = vars;
    changes.widenKept(vars, widened);
  }

  @Override
  public int size() {
    return widened.length;
  }

  @Override
  public double[] whole(int v) {
    if (widened[v] == null) {
      widened[v] = vars.get(v).value().toDoubleArray();
    }
    return widened[v];
  }

  @Override
  public double[] rows(int v, int[] rows, int rowLength) {
    if (widened[v] != null) {
      return StepWeights.of(widened).rows(v, rows, rowLength);
    }
    Tensor t = vars.get(v).value();
    double[] out = new double[rows.length * rowLength];
    if (t.dtype() == DType.FLOAT64) {
      double[] d = t.doubles();
      for (int i = 0; i < rows.length; i++) {
        System.arraycopy(d, rows[i] * rowLength, out, i * rowLength, rowLength);
      }
      return out;
    }
    float[] f = t.floats();
    if (rowLength == 1) {
      for (int i = 0; i < rows.length; i++) {
        out[i] = f[rows[i]];
      }
      return out;
    }
    for (int i = 0, o = 0; i < rows.length; i++) {
      for (int k = rows[i] * rowLength, end = k + rowLength; k < end; k++) {
        out[o++] = f[k];
      }
    }
    return out;
  }
}
