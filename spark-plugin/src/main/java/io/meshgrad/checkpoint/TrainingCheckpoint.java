package io.meshgrad.checkpoint;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything needed to continue training exactly where it stopped: the optimizer's config and
 * iteration count, each model variable's value, each slot (accumulator, EMA average) and free-form
 * training metadata (settings, loss history). The data position is the iteration count: step
 * {@code t} always uses batch {@code t} of the seeded {@link BatchPlan}.
 */
public final class TrainingCheckpoint {
  private final ObjectNode optimizerConfig;
  private final long iterations;
  private final Map<String, Tensor> values;
  private final Map<String, Map<String, Tensor>> slots;
  private final ObjectNode metadata;

  public TrainingCheckpoint(ObjectNode optimizerConfig, long iterations, Map<String, Tensor> values,
      Map<String, Map<String, Tensor>> slots, ObjectNode metadata) {
    this.optimizerConfig = optimizerConfig.deepCopy();
    this.iterations = iterations;
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    Map<String, Map<String, Tensor>> s = new LinkedHashMap<>();
    slots.forEach((k, v) -> s.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
    this.slots = Collections.unmodifiableMap(s);
    this.metadata = metadata == null ? JsonNodeFactory.instance.objectNode() : metadata.deepCopy();
  }

  /**
   * The state of {@code optimizer} and {@code variables} now. Slots of sharded variables are
   * gathered to the driver for writing.
   */
  public static TrainingCheckpoint capture(Optimizer optimizer, List<? extends Variable> variables, ObjectNode metadata) {
    if (!optimizer.isBuilt()) {
      optimizer.build(new ArrayList<>(variables));
    }
    Map<String, Tensor> values = new LinkedHashMap<>();
    Map<String, Map<String, Tensor>> slots = new LinkedHashMap<>();
    for (Variable v : variables) {
      values.put(v.name(), v.read());
      Map<String, Tensor> own = new LinkedHashMap<>();
      for (String slot : List.of("average", "accumulator")) {
        Variable s = optimizer.slot(v, slot);
        if (s != null) {
          own.put(slot, s.read());
        }
      }
      slots.put(v.name(), own);
    }
    return new TrainingCheckpoint(optimizer.getConfig(), optimizer.iterations(), values, slots, metadata);
  }

  /**
   * Puts this state into {@code optimizer} (built on {@code variables} if needed) and the
   * variables, which must have the checkpoint's names, dtypes and shapes. Checks everything
   * before changing anything.
   *
   * @throws IllegalArgumentException if the variables or the optimizer's config do not match
   */
  public void restore(Optimizer optimizer, List<? extends Variable> variables) {
    if (!optimizer.getConfig().toString().equals(optimizerConfig.toString())) {
      throw new IllegalArgumentException("checkpoint was written by an optimizer with config " + optimizerConfig
          + ", this optimizer has " + optimizer.getConfig());
    }
    List<String> names = variables.stream().map(Variable::name).toList();
    if (!names.equals(new ArrayList<>(values.keySet()))) {
      throw new IllegalArgumentException("checkpoint holds variables " + values.keySet() + ", got " + names);
    }
    for (Variable v : variables) {
      Tensor t = values.get(v.name());
      if (t.dtype() != v.dtype() || !Arrays.equals(t.shape(), v.shape())) {
        throw new IllegalArgumentException("checkpoint variable " + v.name() + " is " + t.dtype()
            + Arrays.toString(t.shape()) + ", the variable is " + v.dtype() + Arrays.toString(v.shape()));
      }
    }
    optimizer.build(new ArrayList<>(variables));
    for (Variable v : variables) {
      for (Map.Entry<String, Tensor> e : slots.get(v.name()).entrySet()) {
        Variable slot = optimizer.slot(v, e.getKey());
        if (slot == null) {
          throw new IllegalArgumentException("checkpoint has slot " + e.getKey() + " of " + v.name()
              + " that this optimizer does not create");
        }
      }
    }
    for (Variable v : variables) {
      v.assign(values.get(v.name()));
      slots.get(v.name()).forEach((slot, t) -> optimizer.slot(v, slot).assign(t));
    }
    optimizer.setIterations(iterations);
  }

  public ObjectNode optimizerConfig() {
    return optimizerConfig.deepCopy();
  }

  public long iterations() {
    return iterations;
  }

  /** Model variable values by name, in variable order. */
  public Map<String, Tensor> values() {
    return values;
  }

  /** Slot values by variable name, then slot name. */
  public Map<String, Map<String, Tensor>> slots() {
    return slots;
  }

  public ObjectNode metadata() {
    return metadata.deepCopy();
  }
}
