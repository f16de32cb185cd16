package io.meshgrad.runtime.engine;

import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.ShardIndex;
import io.meshgrad.runtime.ShardUpdate;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one step of a replica changes, per variable, known once its gradients are and before the
 * optimizer applies them: nothing (no gradient), the gradient's rows (a sparse gradient whose
 * update keeps to its rows, {@link Optimizer#sparseStepChangesOnlyItsRows}: the variable's and
 * its slots' rows), or everything (a dense gradient, weight decay, EMA). The engine's per-step work
 * on a row-sparse model so follows the touched rows, not the variables' sizes: the kept widened
 * copies of the weights are refreshed ({@link #widenKept}, {@link TaskWeights}), the values checked ({@link #finite}) and the state saved
 * for an undo ({@link Undo}) at those rows only.
 *
 * <p>The sharded engine ({@link ShardOwners}) knows a step's changes to its whole copies of the
 * variables from the updates it receives instead ({@link #ofUpdates}): there the changes are
 * single elements (a row of one element), the ones the updates write.
 *
 * <p>Over a whole job of the replicated engine, {@link Job} keeps the union of its steps' changes:
 * the replicas start the job equal, so the end-of-job check and rank 0's result need only the rows
 * some step changed ({@link Job#checksum}, {@link Job#changedState}).
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
      if (widened[i] == null) {
        widened[i] = vars.get(i).value().toDoubleArray();
      } else {
        refresh(i, vars.get(i).value(), widened[i]);
      }
    }
  }

  /**
   * {@link #widen} of the entries of {@code widened} already made only: a {@code null} entry
   * (a variable not kept widened) stays {@code null}.
   */
  void widenKept(List<Variable> vars, double[][] widened) {
    for (int i = 0; i < rows.length; i++) {
      if (widened[i] != null) {
        refresh(i, vars.get(i).value(), widened[i]);
      }
    }
  }

  /** Brings {@code out}, variable {@code i}'s widened copy, up to date with {@code t} at this step's changes. */
  private void refresh(int i, Tensor t, double[] out) {
    if (rows[i] == null) {
      widenRange(t, out, 0, t.size());
    } else {
      int len = width(t);
      for (int r : rows[i]) {
        widenRange(t, out, r * len, len);
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

  /**
   * The rows of each variable that some step of a job changed (the union of its steps' {@link
   * StepChanges}), or all of a variable's rows once a step changed it whole. A variable's slots
   * change where it does ({@link Optimizer#applyToVariable} updates a variable and its slots
   * together, at the sparse gradient's rows when the step keeps to them).
   */
  static final class Job {
    /** Per variable: the rows changed so far, or {@code null} for all of them. */
    private final BitSet[] rows;

    Job(int numVariables) {
      rows = new BitSet[numVariables];
      for (int i = 0; i < numVariables; i++) {
        rows[i] = new BitSet();
      }
    }

    /** Adds one step's changes (rows of the variables, not the sharded engine's elements). */
    void add(StepChanges step) {
      if (step.elements) {
        throw new IllegalArgumentException("a job's changes are rows of the variables, not single elements");
      }
      for (int i = 0; i < rows.length; i++) {
        if (rows[i] == null) {
          continue;
        }
        if (step.rows[i] == null) {
          rows[i] = null;
        } else {
          for (int r : step.rows[i]) {
            rows[i].set(r);
          }
        }
      }
    }

    /**
     * The changed rows of variable {@code i} (of {@code value}, the variable's value), increasing,
     * or {@code null} when it is to be taken whole: changed whole, a scalar, a slot not shaped as
     * the variable, or at least half of its rows changed (then whole is the smaller message).
     */
    int[] rows(int i, Tensor value, List<Tensor> slots) {
      if (rows[i] == null || value.rank() == 0) {
        return null;
      }
      for (Tensor s : slots) {
        if (!s.sameLayout(value)) {
          return null;
        }
      }
      int numRows = value.shape()[0];
      int n = rows[i].cardinality();
      return n > 0 && 2L * n >= numRows ? null : rows[i].stream().toArray();
    }

    /**
     * The position of an element of variable {@code i} (of {@code value}) that the job changed (the
     * first element of its first changed row), or -1 when it changed none.
     */
    int someChangedElement(int i, Tensor value) {
      if (rows[i] == null) {
        return value.size() > 0 ? 0 : -1;
      }
      int r = rows[i].nextSetBit(0);
      return r < 0 ? -1 : r * value.rowLength();
    }

    /**
     * A checksum of the exact bits of everything the job changed in {@code vars} and their slots
     * of {@code opt}, and of which rows those are: replicas that started the job equal are equal
     * after it when their checksums are. Every NaN counts as the same value (replicas stepped
     * through a NaN may hold NaNs of different payloads).
     */
    long checksum(List<Variable> vars, Optimizer opt) {
      long h = 1125899906842597L;
      for (int i = 0; i < rows.length; i++) {
        Tensor value = vars.get(i).value();
        List<Tensor> tensors = new ArrayList<>();
        tensors.add(value);
        for (Variable slot : opt.slotVariables(vars.get(i))) {
          tensors.add(slot.value());
        }
        int[] changed = rows(i, value, tensors.subList(1, tensors.size()));
        h = 31 * h + (changed == null ? -1 : changed.length);
        if (changed == null) {
          for (Tensor t : tensors) {
            h = hash(h, t, 0, t.size());
          }
          continue;
        }
        int len = value.rowLength();
        for (int r : changed) {
          h = 31 * h + r;
          for (Tensor t : tensors) {
            h = hash(h, t, r * len, len);
          }
        }
      }
      return h;
    }

    private static long hash(long h, Tensor t, int from, int length) {
      // each element widened to double, read in place
      if (t.dtype() == DType.FLOAT64) {
        double[] d = t.doubles();
        for (int k = from, end = from + length; k < end; k++) {
          h = 31 * h + Double.doubleToLongBits(d[k]);
        }
      } else {
        float[] f = t.floats();
        for (int k = from, end = from + length; k < end; k++) {
          h = 31 * h + Double.doubleToLongBits(f[k]);
        }
      }
      return h;
    }

    /**
     * What the job changed in {@code vars} and their slots of {@code opt} (copies): per variable its
     * changed rows of the variable and of each slot, or all of them.
     */
    ChangedState changedState(List<Variable> vars, Optimizer opt) {
      Map<Variable, Integer> position = new IdentityHashMap<>();
      List<Variable> all = opt.variables();
      for (int k = 0; k < all.size(); k++) {
        position.put(all.get(k), k);
      }
      int n = rows.length;
      int[][] changedRows = new int[n][];
      int[][] slotPositions = new int[n][];
      Tensor[][] parts = new Tensor[n][];
      for (int i = 0; i < n; i++) {
        List<Variable> slots = opt.slotVariables(vars.get(i));
        List<Tensor> tensors = new ArrayList<>();
        tensors.add(vars.get(i).value());
        slotPositions[i] = new int[slots.size()];
        for (int k = 0; k < slots.size(); k++) {
          slotPositions[i][k] = position.get(slots.get(k));
          tensors.add(slots.get(k).value());
        }
        changedRows[i] = rows(i, tensors.get(0), tensors.subList(1, tensors.size()));
        parts[i] = new Tensor[tensors.size()];
        for (int k = 0; k < tensors.size(); k++) {
          parts[i][k] = changedRows[i] == null ? tensors.get(k).copy() : gather(tensors.get(k), changedRows[i]);
        }
      }
      return new ChangedState(changedRows, slotPositions, parts);
    }

    private static Tensor gather(Tensor t, int[] rows) {
      int len = t.rowLength();
      int[] shape = t.shape();
      shape[0] = rows.length;
      if (t.dtype() == DType.FLOAT64) {
        double[] out = new double[rows.length * len];
        for (int j = 0; j < rows.length; j++) {
          System.arraycopy(t.doubles(), rows[j] * len, out, j * len, len);
        }
        return Tensor.of(out, shape);
      }
      float[] out = new float[rows.length * len];
      for (int j = 0; j < rows.length; j++) {
        System.arraycopy(t.floats(), rows[j] * len, out, j * len, len);
      }
      return Tensor.of(out, shape);
    }
  }

  /**
   * What one job changed in the variables and the optimizer's slots, as rank 0 sends it to the
   * driver, which holds the state at the job's start: per variable its changed rows (increasing)
   * of the variable and of each of its slots, or their whole values.
   */
  static final class ChangedState implements Serializable {
    private static final long serialVersionUID = 1L;
    /**
     * Java serialization writes {@link #slotPositions} and {@link #parts} as fields and {@link
     * #rows} in bulk ({@link #writeObject}); Kryo's field serializer, which knows none of this,
     * writes all three as fields.
     */
    private static final java.io.ObjectStreamField[] serialPersistentFields = {
        new java.io.ObjectStreamField("slotPositions", int[][].class),
        new java.io.ObjectStreamField("parts", Tensor[][].class)};
    /** Per variable: the changed rows, or {@code null} for whole values. */
    private int[][] rows;
    /** Per variable: the positions of its slots in the optimizer's {@link Optimizer#variables()}. */
    private final int[][] slotPositions;
    /** Per variable: the variable's rows (or value), then each slot's, in {@link #slotPositions}' order. */
    private final Tensor[][] parts;

    ChangedState(int[][] rows, int[][] slotPositions, Tensor[][] parts) {
      this.rows = rows;
      this.slotPositions = slotPositions;
      this.parts = parts;
    }

    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
      out.defaultWriteObject();
      out.writeInt(rows.length);
      for (int[] r : rows) {
        out.writeInt(r == null ? -1 : r.length);
        if (r != null) {
          io.meshgrad.tensor.BulkArrays.writeInts(out, r);
        }
      }
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
      in.defaultReadObject();
      rows = new int[in.readInt()][];
      for (int i = 0; i < rows.length; i++) {
        int n = in.readInt();
        rows[i] = n < 0 ? null : io.meshgrad.tensor.BulkArrays.readInts(in, n);
      }
    }

    /** Variables sent whole. */
    int wholeVariables() {
      int n = 0;
      for (int[] r : rows) {
        n += r == null ? 1 : 0;
      }
      return n;
    }

    /**
     * Writes the changes into {@code values} (the variables' values at the job's start, in order)
     * and {@code slots} (the optimizer's {@link Optimizer#getWeights()} at the job's start), in place.
     */
    void applyTo(Tensor[] values, Tensor[] slots) {
      if (rows.length != values.length) {
        throw new IllegalStateException("meshgrad engine: rank 0 sent the changes of " + rows.length
            + " variables, the driver holds " + values.length);
      }
      for (int i = 0; i < rows.length; i++) {
        Tensor[] targets = new Tensor[parts[i].length];
        targets[0] = values[i];
        for (int k = 0; k < slotPositions[i].length; k++) {
          targets[k + 1] = slots[slotPositions[i][k]];
        }
        for (int k = 0; k < targets.length; k++) {
          if (rows[i] == null) {
            targets[k].copyFrom(parts[i][k]);
          } else {
            scatter(parts[i][k], rows[i], targets[k]);
          }
        }
      }
    }

    private static void scatter(Tensor part, int[] rows, Tensor target) {
      int len = target.rowLength();
      int[] expected = target.shape();
      expected[0] = rows.length;
      if (part.dtype() != target.dtype() || !Arrays.equals(part.shape(), expected)) {
        throw new IllegalStateException("meshgrad engine: rank 0 sent rows " + part.dtype() + Arrays.toString(part.shape())
            + " for a tensor " + target.dtype() + Arrays.toString(target.shape()));
      }
      for (int j = 0; j < rows.length; j++) {
        if (target.dtype() == DType.FLOAT64) {
          System.arraycopy(part.doubles(), j * len, target.doubles(), rows[j] * len, len);
        } else {
          System.arraycopy(part.floats(), j * len, target.floats(), rows[j] * len, len);
        }
      }
    }
  }
}
