package io.meshgrad.model;

import java.io.Serializable;

/**
 * How a variable's first value is drawn: Keras' initializers. Deterministic given the seed, so a
 * fit is reproducible; the values are produced in double and rounded to the variable's dtype by the
 * caller.
 *
 * <p>An initializer produces any range of rows (axis 0) on its own ({@link #rows}), with the same
 * numbers as the whole value has there: a sharded variable's shards are generated where they live,
 * each from its own rows, and start from exactly the values a driver-held variable starts from,
 * whatever the sharding.
 */
public interface Initializer extends Serializable {

  /**
   * Rows {@code [fromRow, toRow)} of the initial values, row-major: the elements {@code
   * values(shape, seed)} holds from {@code fromRow * rowLength} to {@code toRow * rowLength}
   * (a scalar has one row of one element).
   *
   * @param seed the seed of this variable (the fit's seed mixed with the variable's position)
   * @throws IllegalArgumentException unless {@code 0 <= fromRow <= toRow <= rows of shape}
   */
  double[] rows(int[] shape, long seed, int fromRow, int toRow);

  /**
   * The initial values, row-major over {@code shape}: {@link #rows} of all rows.
   *
   * @param seed the seed of this variable (the fit's seed mixed with the variable's position)
   */
  default double[] values(int[] shape, long seed) {
    return rows(shape, seed, 0, shape.length == 0 ? 1 : shape[0]);
  }

  /** Whether every value is 0 whatever the shape and seed, so that a shard needs allocating, not generating. */
  default boolean allZeros() {
    return false;
  }
}
