package io.meshgrad.data;

import java.io.Serializable;
import java.util.function.DoubleConsumer;

/**
 * Checks one label, throwing {@link IllegalArgumentException} that names the allowed values and
 * the received label. Serializable, because Spark ships it to the executors: a method reference
 * such as {@code loss::validateLabel} to a {@link io.meshgrad.loss.BlockLoss} qualifies.
 */
@FunctionalInterface
public interface LabelValidator extends DoubleConsumer, Serializable {

  /** Accepts every finite label. */
  static LabelValidator any() {
    return label -> {};
  }
}
