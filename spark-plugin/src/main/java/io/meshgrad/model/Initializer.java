package io.meshgrad.model;

import java.io.Serializable;

/**
 * How a variable's first value is drawn: Keras' initializers. Deterministic given the seed, so a
 * fit is reproducible; the values are produced in double and rounded to the variable's dtype by the
 * caller.
 */
public interface Initializer extends Serializable {

  /**
   * The initial values, row-major over {@code shape}.
   *
   * @param seed the seed of this variable (the fit's seed mixed with the variable's position)
   */
  double[] values(int[] shape, long seed);
}
