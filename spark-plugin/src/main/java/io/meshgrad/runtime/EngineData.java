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
  }
}
