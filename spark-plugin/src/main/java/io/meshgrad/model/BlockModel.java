package io.meshgrad.model;

import io.meshgrad.loss.InstanceBlock;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;

/**
 * A model meshgrad trains: its variables and its loss summed over {@link InstanceBlock}s, with the
 * hand-derived backward pass. One abstraction serves linear models, factorization machines and
 * multilayer perceptrons, in process and on a mesh: the same {@link #accumulate} runs inside the
 * data partitions' tasks and in tests' in-process loops.
 *
 * <p>Weights and gradients are passed as one {@code double[]} per variable, in the order of {@link
 * #variables()}, each row-major over the variable's shape. A variable that is {@linkplain
 * VariableSpec#featureIndexed() indexed by feature} on axis 0 has one row per input feature; a
 * sparse block then touches only the rows of its non-zero features, and the training loop ships
 * only those rows of its gradient.
 *
 * <p>{@link #accumulate} must reach the rows of feature-indexed variables only through the block's
 * column indices (and size them by {@link InstanceBlock#numFeatures()}, never by {@link
 * #numFeatures()}): a data partition may pass a block renumbered onto the features its batch
 * touches ({@link InstanceBlock#onRows}) with only those rows of the weights, and must get the
 * same sums bit for bit.
 *
 * <p>Implementations may keep scratch buffers across calls: one instance must not be used by
 * several threads at once (Spark gives each task its own deserialized copy).
 */
public interface BlockModel extends Serializable {

  /** The variables, in the order of the arrays of {@link #accumulate} and {@link #outputs}. */
  List<VariableSpec> variables();

  /** Number of input features every block must have. */
  int numFeatures();

  /** Number of raw outputs per row (margins, logits): 1 for binary and regression models. */
  int numOutputs();

  /**
   * Checks a label is valid for this model's loss.
   *
   * @throws IllegalArgumentException naming the allowed values and the received label
   */
  void validateLabel(double label);

  /**
   * Adds {@code sum_i a_i * loss_i} over the block's rows (returned) and {@code sum_i a_i * d
   * loss_i / d w} into {@code gradients}, unnormalised and unregularised.
   *
   * @param weights one array per variable, read only
   * @param gradients one accumulator per variable, same lengths as {@code weights}
   * @return {@code sum_i a_i * loss_i}
   */
  double accumulate(InstanceBlock block, double[][] weights, double[][] gradients);

  /** The raw outputs of one row (length {@link #numOutputs()}), for prediction. Allocates only the result. */
  double[] outputs(Vector features, double[][] weights);
}
