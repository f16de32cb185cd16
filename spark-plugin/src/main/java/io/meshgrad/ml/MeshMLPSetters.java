package io.meshgrad.ml;

import org.apache.spark.ml.linalg.Vector;

/**
 * The setters of the network params of the MLP estimators, returning the estimator for chaining;
 * each validates its value at once.
 *
 * @param <S> the estimator type
 */
public interface MeshMLPSetters<S extends MeshMLPSetters<S>> extends MeshMLPParams, MeshgradSetters<S> {

  /** Sets the layer sizes {@code [inputs, hidden..., outputs]}. */
  default S setLayers(int[] value) {
    set(layers(), value);
    return self();
  }

  /** Sets the hidden layer sizes used when layers is not set. */
  default S setHiddenLayers(int[] value) {
    set(hiddenLayers(), value);
    return self();
  }

  /** Sets the hidden activation: relu, sigmoid or tanh. */
  default S setActivation(String value) {
    set(activation(), value);
    return self();
  }

  /** Sets the initial weights, flattened as MLlib's. */
  default S setInitialWeights(Vector value) {
    set(initialWeights(), value);
    return self();
  }

  /** Sets the rows per matrix product. */
  default S setBlockSize(int value) {
    set(blockSize(), value);
    return self();
  }

  /** Sets layouts by variable name, as a JSON object. */
  default S setLayouts(String value) {
    set(layouts(), value);
    return self();
  }

  @SuppressWarnings("unchecked")
  private S self() {
    return (S) this;
  }
}
