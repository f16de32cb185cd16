package io.meshgrad.loss;

import java.io.Serializable;
import org.apache.spark.ml.linalg.Vector;

/**
 * A loss of a linear model that can be summed over {@link InstanceBlock}s. Sums are unnormalised
 * and unregularised: the step adds them up over the blocks of every data partition, then divides
 * by the weight sum and adds the penalty ({@code io.meshgrad.runtime.ModelLoss} and
 * {@code Penalty}).
 *
 * <p>The model has {@code K = numOutputs()} margins per row, {@code m_ik = sum_j x_ij W_jk + b_k},
 * with coefficients {@code W} of shape {@code [d, K]} stored row-major (element {@code (j, k)} at
 * {@code j * K + k}; for {@code K == 1} simply {@code w_j}) and intercept {@code b} of shape
 * {@code [K]}, or {@code null} when the model has no intercept.
 *
 * <p>Implementations keep scratch buffers across calls to {@link #accumulate}: one instance must
 * not be used by several threads at once (Spark gives each task its own deserialized copy).
 */
public interface BlockLoss extends Serializable {

  /**
   * {@code K}: coefficients have shape {@code [d, K]} ({@code [d]} when {@code K == 1}), the
   * intercept {@code [K]}.
   */
  int numOutputs();

  /**
   * Checks a label is valid for this loss.
   *
   * @throws IllegalArgumentException naming the allowed values and the received label
   */
  void validateLabel(double label);

  /**
   * Adds {@code sum_i a_i * loss_i} over the block's rows (returned) and {@code sum_i a_i * d
   * loss_i / d params} into {@code coefGrad} and {@code interceptGrad}.
   *
   * @param block the rows
   * @param coefficients {@code W}, length {@code block.numFeatures() * numOutputs()}
   * @param intercept {@code b}, length {@code numOutputs()}, or {@code null} without intercept
   * @param coefGrad gradient accumulator for {@code W}, same length as {@code coefficients}
   * @param interceptGrad gradient accumulator for {@code b}, {@code null} exactly when {@code
   *     intercept} is
   * @return {@code sum_i a_i * loss_i}
   */
  double accumulate(
      InstanceBlock block,
      double[] coefficients,
      double[] intercept,
      double[] coefGrad,
      double[] interceptGrad);

  /**
   * Raw margins {@code m_k = sum_j x_j W_jk + b_k} of one feature vector (length {@code K}), as
   * used for prediction. Allocates only the result.
   *
   * @param intercept {@code b}, or {@code null} for a model without intercept
   */
  default double[] margins(Vector features, double[] coefficients, double[] intercept) {
    return Margins.of(features, coefficients, intercept, numOutputs());
  }
}
