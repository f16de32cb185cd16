package io.meshgrad.optimizer;

import io.meshgrad.tensor.Tensor;

/**
 * The optimizer slots of one variable as seen by an update: the whole slot tensors in process,
 * or the shards that live next to a variable shard on a Spark executor.
 */
@FunctionalInterface
public interface Slots {

  /**
   * The tensor of the slot created with {@code addVariableFromReference(variable, slotName, ...)},
   * e.g. {@code "accumulator"} or {@code "average"}; updated in place.
   *
   * @throws IllegalStateException if the variable has no such slot
   */
  Tensor get(String slotName);
}
