package io.meshgrad.data;

import io.meshgrad.loss.Instance;
import java.io.Serializable;
import org.apache.spark.ml.linalg.Vector;

/**
 * A validated row on its way through the shuffle. A plain class rather than {@link Instance} (a
 * record), because Kryo, when configured as Spark's serializer, cannot set a record's fields.
 */
final class CheckedRow implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Vector features;
  private final double label;
  private final double weight;

  CheckedRow(Vector features, double label, double weight) {
    this.features = features;
    this.label = label;
    this.weight = weight;
  }

  Instance toInstance() {
    return new Instance(label, weight, features);
  }
}
