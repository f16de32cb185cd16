package io.meshgrad.aggregate;

import io.meshgrad.optimizer.Slots;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import io.meshgrad.tensor.TensorDiff;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One shard of a variable together with the same shard of each of its optimizer slots: the
 * element of a state RDD partition. Treated as immutable once cached: an update works on
 * {@link #copy()}, so a retried task or a recomputed partition never applies a step twice.
 */
public final class VariableShard implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int variable;
  private final int shard;
  private final Tensor value;
  private final Map<String, Tensor> slots;
  private final ShardStepStats lastStep;
  private final int[] changed;

  /**
   * @param variable index of the variable in its runtime
   * @param shard shard id within the variable (see {@code ShardedShape})
   */
  public VariableShard(int variable, int shard, Tensor value, Map<String, Tensor> slots) {
    this(variable, shard, value, slots, null, null);
  }

  private VariableShard(int variable, int shard, Tensor value, Map<String, Tensor> slots, ShardStepStats lastStep,
      int[] changed) {
    this.variable = variable;
    this.shard = shard;
    this.value = value;
    this.slots = new LinkedHashMap<>(slots);
    this.lastStep = lastStep;
    this.changed = changed;
  }

  /**
   * This shard (same arrays) recording the step that produced it from {@code before}, and which
   * elements of the value that step changed when they are at most half of them.
   */
  VariableShard afterStep(ShardStepStats stats, Tensor before) {
    return new VariableShard(variable, shard, value, slots, stats, TensorDiff.changedPositions(before, value, value.size() / 2));
  }

  /** What travels back to the driver after a step: the changed values when known, else the whole value. */
  ShardUpdate update() {
    if (changed == null) {
      return new ShardUpdate(variable, shard, null, value, lastStep);
    }
    Tensor values;
    if (value.dtype() == DType.FLOAT32) {
      float[] v = new float[changed.length];
      for (int k = 0; k < v.length; k++) {
        v[k] = value.floats()[changed[k]];
      }
      values = Tensor.of(v, v.length);
    } else {
      double[] v = new double[changed.length];
      for (int k = 0; k < v.length; k++) {
        v[k] = value.doubles()[changed[k]];
      }
      values = Tensor.of(v, v.length);
    }
    return new ShardUpdate(variable, shard, changed, values, lastStep);
  }


  public int variable() {
    return variable;
  }

  public int shard() {
    return shard;
  }

  /** The shard's values (do not modify a cached shard: see {@link #copy()}). */
  public Tensor value() {
    return value;
  }

  /** The shard of slot {@code name}, or {@code null}. */
  public Tensor slot(String name) {
    return slots.get(name);
  }

  public Map<String, Tensor> slots() {
    return Collections.unmodifiableMap(slots);
  }

  /** A deep copy, for an update. */
  public VariableShard copy() {
    Map<String, Tensor> s = new LinkedHashMap<>();
    slots.forEach((k, v) -> s.put(k, v.copy()));
    return new VariableShard(variable, shard, value.copy(), s);
  }

  /** This shard with one more slot. */
  public VariableShard withSlot(String name, Tensor slotValue) {
    value.requireSameLayout(slotValue, "slot " + name);
    Map<String, Tensor> s = new LinkedHashMap<>(slots);
    s.put(name, slotValue);
    return new VariableShard(variable, shard, value, s);
  }

  /** This shard with another value (slots kept). */
  public VariableShard withValue(Tensor newValue) {
    value.requireSameLayout(newValue, "value");
    return new VariableShard(variable, shard, newValue, slots);
  }

  /** This shard with slot {@code name} replaced. */
  public VariableShard withSlotValue(String name, Tensor slotValue) {
    if (!slots.containsKey(name)) {
      throw new IllegalArgumentException("shard " + shard + " of variable " + variable + " has no slot '" + name + "'");
    }
    return withSlot(name, slotValue);
  }

  /** The slots as an optimizer sees them during an update of this shard. */
  public Slots slotView() {
    return name -> {
      Tensor t = slots.get(name);
      if (t == null) {
        throw new IllegalStateException("shard " + shard + " of variable " + variable + " has no slot '" + name + "'");
      }
      return t;
    };
  }
}
