package io.meshgrad.runtime.engine;

import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.ShardIndex;
import io.meshgrad.runtime.ShardUpdate;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What one step of a replica changes, per variable, known once its gradients are and before the
 * optimizer applies them: nothing (no gradient), the gradient's rows (a sparse gradient whose
 * update keeps to its rows, {@link Optimizer#sparseStepChangesOnlyItsRows}: the variable's and
 * its slots' rows), or everything (a dense gradient, weight decay, EMA). The engine's per-step work
 * on a row-sparse model so follows the touched rows, not the variables' sizes: the widened
 * weights are refreshed ({@link #widen}), the values checked ({@link #finite}) and the state saved
 * for an undo ({@link Undo}) at those rows only.
 *
 * <p>The sharded engine ({@link ShardOwners}) knows a step's changes to its whole copies of the
 * variables from the updates it receives instead ({@link #ofUpdates}): there the changes are
 * single elements (a row of one element), the ones the updates write.
 */
final class StepChanges {
  private static final int[] NONE = new int[0];

  /** Per variable: {@link #NONE}, the rows changed (as the gradient lists them), or {@code null} for all. */
  private final int[][] rows;
  /** Whether {@link #rows} lists single elements rather than rows of the variables. */
  private final boolean elements;

  private StepChanges(int[][] rows) {
    this(rows, false);
  }

  private StepChanges(int[][] rows, boolean elements) {
    this.rows = rows;
    this.elements = elements;
  }

  /** Elements per entry of {@link #rows} in {@code t}. */
  private int width(Tensor t) {
    return elements ? 1 : t.rowLength();
  }

  /**
   * The changes of the step that applies {@code gradients} to {@code vars} (the optimizer's
   * iteration count and configuration as they are before the step).
   */
  static StepChanges of(Optimizer opt, List<Variable> vars, List<? extends Gradient> gradients) {
    List<Optimizer.VariableStep> steps = opt.nextSteps(vars);
    int[][] rows = new int[vars.size()][];
    for (int i = 0; i < rows.length; i++) {
      Gradient g = gradients.get(i);
      rows[i] = g == null ? NONE
          : g instanceof IndexedSlices s && opt.sparseStepChangesOnlyItsRows(steps.get(i)) ? s.indices() : null;
    }
    return new StepChanges(rows);
  }

  /**
   * The changes that the sharded engine's {@code updates} (one step's, as every task receives
   * them) make to whole copies of the variables: per position {@code i} of the loss's variables
   * (runtime variable {@code variables[i]}), the elements the updates write ({@link
   * ShardUpdate#applyTo}); none for a variable whose updates carry no values (a row-pulled one).
   */
  static StepChanges ofUpdates(List<ShardUpdate> updates, ShardIndex index, int[] variables) {
    int[][] rows = new int[variables.length][];
    for (int i = 0; i < variables.length; i++) {
      rows[i] = NONE;
      for (ShardUpdate u : updates) {
        if (u.variable() == variables[i]) {
          int[] written = u.writtenPositions(index.shape(u.variable()));
          int[] both = Arrays.copyOf(rows[i], rows[i].length + written.length);
          System.arraycopy(written, 0, both, rows[i].length, written.length);
          rows[i] = both;
        }
      }
    }
    return new StepChanges(rows, true);
  }

  /** A step that changes every element of every variable (the first widening of a job). */
  static StepChanges all(int numVariables) {
    return new StepChanges(new int[numVariables][]);
  }

  /** Whether the step changes only rows of every variable (none of them whole). */
  boolean rowLocal() {
    for (int[] r : rows) {
      if (r == null) {
        return false;
      }
    }
    return true;
  }

  /**
   * Brings {@code widened} (each variable's value widened to double, {@code null} entries made)
   * up to date with {@code vars} after this step: the changed rows only, with the bits
   * {@link Tensor#toDoubleArray} gives.
   */
  void widen(List<Variable> vars, double[][] widened) {
    for (int i = 0; i < rows.length; i++) {
      Tensor t = vars.get(i).value();
      if (widened[i] == null) {
        widened[i] = t.toDoubleArray();
      } else if (rows[i] == null) {
        widenRange(t, widened[i], 0, t.size());
      } else {
        int len = width(t);
        for (int r : rows[i]) {
          widenRange(t, widened[i], r * len, len);
        }
      }
    }
  }

  private static void widenRange(Tensor t, double[] out, int from, int length) {
    if (t.dtype() == DType.FLOAT64) {
      System.arraycopy(t.doubles(), from, out, from, length);
      return;
    }
    float[] f = t.floats();
    for (int k = from, end = from + length; k < end; k++) {
      out[k] = f[k];
    }
  }

  /**
   * Whether every value of {@code vars} is finite after this step, given that all were before it
   * ({@code finiteBefore}; otherwise every element is checked): only the changed rows are read.
   */
  boolean finite(List<Variable> vars, boolean finiteBefore) {
    for (int i = 0; i < rows.length; i++) {
      Tensor t = vars.get(i).value();
      if (!finiteBefore || rows[i] == null) {
        if (!finiteRange(t, 0, t.size())) {
          return false;
        }
      } else {
        int len = width(t);
        for (int r : rows[i]) {
          if (!finiteRange(t, r * len, len)) {
            return false;
          }
        }
      }
    }
    return true;
  }

  /** Whether every element of {@code t} is finite. */
  static boolean finite(Tensor t) {
    return finiteRange(t, 0, t.size());
  }

  private static boolean finiteRange(Tensor t, int from, int length) {
    if (t.dtype() == DType.FLOAT64) {
      double[] d = t.doubles();
      for (int k = from, end = from + length; k < end; k++) {
        if (!Double.isFinite(d[k])) {
          return false;
        }
      }
      return true;
    }
    float[] f = t.floats();
    for (int k = from, end = from + length; k < end; k++) {
      if (!Float.isFinite(f[k])) {
        return false;
      }
    }
    return true;
  }

  /**
   * The state a step may change, saved before the step so that it can be put back bit for bit: for
   * a row-local step ({@link #rowLocal}) the changed rows of each variable and its slots; otherwise
   * every variable and every slot whole, with the iteration count put back by the caller. Without
   * an optimizer ({@code null}: the sharded engine, whose slots live in immutable shards) only the
   * variables.
   */
  static final class Undo {
    private final List<Variable> vars;
    private final Optimizer opt;
    private final Tensor[] targets;
    private final int[][] rowsOf;
    private final Object[] saved;
    private final List<Tensor> wholeVars;
    private final List<Tensor> wholeSlots;
    private final boolean elements;

    Undo(StepChanges changes, List<Variable> vars, Optimizer opt) {
      this.vars = vars;
      this.opt = opt;
      this.elements = changes.elements;
      if (!changes.rowLocal()) {
        targets = null;
        rowsOf = null;
        saved = null;
        wholeVars = vars.stream().map(Variable::read).toList();
        wholeSlots = opt == null ? null : opt.getWeights();
        return;
      }
      wholeVars = null;
      wholeSlots = null;
      ArrayList<Tensor> t = new ArrayList<>();
      ArrayList<int[]> r = new ArrayList<>();
      for (int i = 0; i < vars.size(); i++) {
        if (changes.rows[i].length == 0) {
          continue;
        }
        t.add(vars.get(i).value());
        r.add(changes.rows[i]);
        for (Variable slot : opt == null ? List.<Variable>of() : opt.slotVariables(vars.get(i))) {
          t.add(slot.value());
          r.add(changes.rows[i]);
        }
      }
      targets = t.toArray(new Tensor[0]);
      rowsOf = r.toArray(new int[0][]);
      saved = new Object[targets.length];
      for (int k = 0; k < targets.length; k++) {
        saved[k] = copyRows(targets[k], rowsOf[k], elements ? 1 : targets[k].rowLength());
      }
    }

    /** Puts the saved state back (the iteration count is the caller's). */
    void restore() {
      if (wholeVars != null) {
        for (int i = 0; i < vars.size(); i++) {
          vars.get(i).assign(wholeVars.get(i));
        }
        if (opt != null) {
          opt.setWeights(wholeSlots);
        }
        return;
      }
      for (int k = 0; k < targets.length; k++) {
        Tensor t = targets[k];
        int len = elements ? 1 : t.rowLength();
        int[] rs = rowsOf[k];
        for (int j = 0; j < rs.length; j++) {
          if (t.dtype() == DType.FLOAT64) {
            System.arraycopy((double[]) saved[k], j * len, t.doubles(), rs[j] * len, len);
          } else {
            System.arraycopy((float[]) saved[k], j * len, t.floats(), rs[j] * len, len);
          }
        }
      }
    }

    private static Object copyRows(Tensor t, int[] rows, int len) {
      if (t.dtype() == DType.FLOAT64) {
        double[] out = new double[rows.length * len];
        for (int j = 0; j < rows.length; j++) {
          System.arraycopy(t.doubles(), rows[j] * len, out, j * len, len);
        }
        return out;
      }
      float[] out = new float[rows.length * len];
      for (int j = 0; j < rows.length; j++) {
        System.arraycopy(t.floats(), rows[j] * len, out, j * len, len);
      }
      return out;
    }
  }
}
