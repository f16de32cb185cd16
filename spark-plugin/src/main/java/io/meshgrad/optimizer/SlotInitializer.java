package io.meshgrad.optimizer;

import io.meshgrad.tensor.Tensor;
import java.io.Serializable;

/**
 * Initial value of a slot, computed from the variable's value (or from one shard of it, so a
 * sharded variable's slots are created where its shards live). Elementwise: element {@code i} of
 * the slot depends on element {@code i} of the variable only, so a shard's slot may be made piece
 * by piece (as {@code MeshRuntime} does, to never copy a whole shard on the way).
 */
@FunctionalInterface
public interface SlotInitializer extends Serializable {

  /** The slot's initial value for a variable (or shard) currently holding {@code variable}. */
  Tensor initialValue(Tensor variable);

  /** Zeros of the variable's dtype and shape (Keras' default for {@code initial_value=None}). */
  static SlotInitializer zeros() {
    return v -> Tensor.zeros(v.dtype(), v.shape());
  }

  /** {@code tf.constant(value, dtype=var.dtype, shape=var.shape)}: the value rounded to the dtype. */
  static SlotInitializer constant(double value) {
    return v -> Tensor.filled(v.dtype(), value, v.shape());
  }

  /** A copy of the variable's value (EMA averages start there). */
  static SlotInitializer copyOfVariable() {
    return Tensor::copy;
  }
}
