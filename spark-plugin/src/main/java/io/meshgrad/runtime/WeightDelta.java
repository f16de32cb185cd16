package io.meshgrad.runtime;

import java.io.Serializable;

/**
 * The coordinates of each variable that changed from one shipped version of the weights to the
 * next, with their new values (widened to double, exactly). (A class, not a record: Spark's Kryo
 * serializer cannot rebuild records.)
 */
final class WeightDelta implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int[][] indices;
  private final double[][] values;

  WeightDelta(int[][] indices, double[][] values) {
    this.indices = indices;
    this.values = values;
  }

  /** Writes the new values into {@code weights} (one array per variable). */
  void applyTo(double[][] weights) {
    for (int v = 0; v < indices.length; v++) {
      int[] idx = indices[v];
      double[] vals = values[v];
      double[] w = weights[v];
      for (int k = 0; k < idx.length; k++) {
        w[idx[k]] = vals[k];
      }
    }
  }

  /** Number of changed coordinates over all variables. */
  long size() {
    long n = 0;
    for (int[] idx : indices) {
      n += idx.length;
    }
    return n;
  }
}
