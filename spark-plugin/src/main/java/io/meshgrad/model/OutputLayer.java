package io.meshgrad.model;

import java.io.Serializable;

/** The last layer of a {@link MultilayerPerceptron}: its loss on the output units and their delta. */
interface OutputLayer extends Serializable {

  /** Number of output units. */
  int numOutputs();

  /** Checks one label, naming the allowed values. */
  void validateLabel(double label);

  /**
   * Overwrites the outputs {@code z} of {@code rows} rows with their weighted deltas {@code a_i d
   * loss_i / d z_i} and returns {@code sum_i a_i loss_i}.
   *
   * @param labels labels of the block, row {@code r} at {@code labels[from + r]}
   * @param weights row weights of the block, or {@code null} for all 1
   */
  double lossAndDelta(double[] z, int rows, double[] labels, double[] weights, int from);
}
