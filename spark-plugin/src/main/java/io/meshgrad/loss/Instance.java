package io.meshgrad.loss;

import java.io.Serializable;
import org.apache.spark.ml.linalg.Vector;

/**
 * One training row: a label, a non-negative weight {@code a_i} (1 for unweighted data) and a
 * features vector.
 *
 * <p>The record itself does not validate; {@link InstanceBlock#blockify} does, so that errors can
 * name the row's position.
 *
 * @param label the label, whose allowed values depend on the loss
 * @param weight the row's weight {@code a_i}, finite and {@code >= 0}
 * @param features the features vector, of the block's {@code numFeatures} size
 */
public record Instance(double label, double weight, Vector features) implements Serializable {

  /** A row with unit weight. */
  public Instance(double label, Vector features) {
    this(label, 1.0, features);
  }
}
