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
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;

/**
 * The replica's row-wise bookkeeping ({@link StepChanges}): after a sparse step, refreshing only
 * the changed rows of the widened weights gives what widening everything gives, an undo puts back
 * every bit of the variables and slots, and the finiteness check of the changed rows sees a
 * non-finite row; steps that change everything (dense gradients, weight decay) fall back to whole copies.
 * Over a job ({@link StepChanges.Job}): the union of the steps' rows, a checksum that sees a
 * difference in any changed row of a variable or a slot, and changes that bring the job's start
 * state to the replica's.
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

  @Test
  void aJobKeepsTheUnionOfItsStepsRowsAndItsChecksumAndChangesCoverThem() {
    List<Variable> vars = vars();
    Optimizer opt = Adagrad.builder().learningRate(0.5).build();
    opt.build(vars);
    Tensor[] startValues = {vars.get(0).read(), vars.get(1).read()};
    Tensor[] startSlots = opt.getWeights().toArray(new Tensor[0]);
    StepChanges.Job job = new StepChanges.Job(2);
    // step 1: rows 4 and 1 of w, the dense bias; step 2: row 4 of w again, no bias gradient
    List<Gradient> first = sparse(1);
    job.add(StepChanges.of(opt, vars, first));
    apply(opt, vars, first);
    List<Gradient> second = new ArrayList<>();
    second.add(new IndexedSlices(new int[] {4}, Tensor.of(new float[] {1, 1, 1}, 1, 3), 6, 3));
    second.add(null);
    job.add(StepChanges.of(opt, vars, second));
    apply(opt, vars, second);

    StepChanges.ChangedState changed = job.changedState(vars, opt);
    assertEquals(1, changed.wholeVariables(), "the bias whole, w's 2 of 6 rows as rows");
    assertArrayEquals(new int[] {1, 4}, job.rows(0, vars.get(0).value(), opt.getWeights().subList(0, 1)));
    // the driver, holding the start state, applies the changes (as they arrive: Java-serialized, or
    // through Spark's Kryo) and holds the replica's state
    SerializerInstance kryo = new KryoSerializer(new SparkConf()).newInstance();
    scala.reflect.ClassTag<StepChanges.ChangedState> tag = scala.reflect.ClassTag$.MODULE$.apply(
        StepChanges.ChangedState.class);
    SerializerInstance java = new JavaSerializer(new SparkConf()).newInstance();
    for (StepChanges.ChangedState arrived : List.of(java.deserialize(java.serialize(changed, tag), tag),
        kryo.deserialize(kryo.serialize(changed, tag), tag))) {
      Tensor[] values = {startValues[0].copy(), startValues[1].copy()};
      Tensor[] slots = {startSlots[0].copy(), startSlots[1].copy()};
      arrived.applyTo(values, slots);
      assertEquals(state(vars, opt), stateOf(values, slots));
    }
    changed.applyTo(startValues, startSlots);
    assertEquals(state(vars, opt), stateOf(startValues, startSlots));

    long sum = job.checksum(vars, opt);
    assertEquals(sum, job.checksum(vars, opt));
    float[] w = vars.get(0).value().floats();
    float kept = w[3];
    w[3] = Float.intBitsToFloat(Float.floatToRawIntBits(w[3]) ^ 1); // row 1, changed by the job
    assertTrue(sum != job.checksum(vars, opt), "a changed row that differs is seen");
    w[3] = kept;
    assertEquals(sum, job.checksum(vars, opt));
    Variable accumulator = opt.slotVariables(vars.get(0)).get(0);
    Tensor a = accumulator.read();
    a.floats()[12] += 1; // row 4 of w's slot, changed by the job
    accumulator.assign(a);
    assertTrue(sum != job.checksum(vars, opt), "a slot's changed row that differs is seen");
  }

  @Test
  void aJobWithMostRowsChangedSendsTheVariableWhole() {
    List<Variable> vars = vars();
    Optimizer opt = Adagrad.builder().learningRate(0.5).build();
    opt.build(vars);
    Tensor[] startValues = {vars.get(0).read(), vars.get(1).read()};
    Tensor[] startSlots = opt.getWeights().toArray(new Tensor[0]);
    StepChanges.Job job = new StepChanges.Job(2);
    List<Gradient> g = new ArrayList<>();
    g.add(new IndexedSlices(new int[] {5, 2, 0}, Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3), 6, 3));
    g.add(null);
    job.add(StepChanges.of(opt, vars, g));
    apply(opt, vars, g);
    StepChanges.ChangedState changed = job.changedState(vars, opt);
    assertEquals(1, changed.wholeVariables(), "half of w's rows: w whole; the bias unchanged, as no rows");
    assertEquals(-1, job.someChangedElement(1, vars.get(1).value()));
    changed.applyTo(startValues, startSlots);
    assertEquals(state(vars, opt), stateOf(startValues, startSlots));
  }

  private static List<Tensor> stateOf(Tensor[] values, Tensor[] slots) {
    List<Tensor> out = new ArrayList<>(List.of(values));
    out.addAll(List.of(slots));
    return out;
  }
}
