package io.meshgrad.runtime;

import java.io.Serializable;
import org.apache.spark.api.java.JavaRDD;

/**
 * What the engine's tasks train on: the cached data partitions (one element per partition,
 * partition {@code p} at index {@code p}) and the function that gives one partition's {@link
 * PartialSums} of a step at given weights: the same function the job-per-step path runs in its
 * gradient tasks, so both paths sum the same partials.
 *
 * @param rows one element per partition
 * @param sums what a partition contributes to a step
 */
public record EngineData<T>(JavaRDD<T> rows, PartitionSums<T> sums) {
  /** One partition's share of a step. */
  public interface PartitionSums<T> extends Serializable {
    /**
     * @param partition the partition's element
     * @param step the step (the optimizer's iteration count before it), which picks the batch
     * @param weights every variable's whole value, widened to double, in the loss's variable order
     */
    PartialSums of(T partition, long step, double[][] weights);

    /**
     * {@link #of(Object, long, double[][])} with the weights as {@code weights} gives them; a
     * sparse step may ask for just the rows it touches ({@link StepWeights#rows}). By default every
     * variable whole.
     */
    default PartialSums ofWeights(T partition, long step, StepWeights weights) {
      return of(partition, step, weights.wholeAll());
    }

    /**
     * The rows of the row-pulled variables that the partition's slice of step {@code step}'s batch
     * touches, increasing, or {@code null} for every row: what {@link DatasetLoss#batchRows}
     * gives for the partition.
     *
     * @throws UnsupportedOperationException where the loss cannot compute with pulled rows
     */
    default int[] batchRows(T partition, long step) {
      throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot compute with pulled rows");
    }

    /**
     * The partition's sums of step {@code step} computed with only its {@code batchRows} of the
     * row-pulled variables ({@code weights} holds those rows at their positions, {@link
     * PulledRows#weightsOf}), as {@link DatasetLoss#partialSums(ShippedWeights, ShippedRows, long)}
     * computes them; {@code batchRows} {@code null}: every row, as {@link #of}.
     */
    default PartialSums ofRows(T partition, long step, int[] batchRows, double[][] weights) {
      if (batchRows == null) {
        return of(partition, step, weights);
      }
      throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot compute with pulled rows");
    }
  }
}
