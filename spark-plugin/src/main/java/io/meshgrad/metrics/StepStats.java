package io.meshgrad.metrics;

import java.io.Serializable;

/**
 * What one training step did, for progress lines, metrics and benchmarks: the objective on the
 * step's batch, the number of rows and their weight, each variable's L2 gradient norm before
 * clipping and the largest gradient element, the bytes that moved (estimated from array sizes),
 * and the step's wall time.
 *
 * @param bytesBroadcast weights shipped to the data partitions this step (a whole base, the changed
 *     coordinates at 12 bytes each, or 0 when nothing changed), whether broadcast or inline
 * @param bytesAggregated partial gradient sums sent by the data partitions (to the driver, or to
 *     the variable shards)
 * @param bytesToDriver what reached the driver (partials or new weights)
 * @param bytesWrittenOnShards sharded variables: bytes of new arrays the shard updates wrote (the
 *     chunks of the weights and slots a step changed; the rest is shared with the state before);
 *     0 for variables held on the driver, which are updated in place
 */
public record StepStats(double loss, long examples, double weightSum, double[] variableGradientNorms,
    double gradientMaxAbs, long bytesBroadcast, long bytesAggregated, long bytesToDriver, long bytesWrittenOnShards,
    double seconds) implements Serializable {

  /** Global L2 norm of the unclipped gradient of all variables. */
  public double gradientNorm() {
    double s = 0;
    for (double n : variableGradientNorms) {
      s += n * n;
    }
    return Math.sqrt(s);
  }
}
