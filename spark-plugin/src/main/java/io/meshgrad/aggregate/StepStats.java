package io.meshgrad.aggregate;

import java.io.Serializable;

/**
 * What one training step did, for progress lines, metrics and benchmarks: the objective on the
 * step's batch, the number of rows and their weight, the global L2 norm of the gradient before
 * clipping and its largest element, and the bytes that moved (estimated from array sizes).
 *
 * @param bytesBroadcast weights sent to the data partitions
 * @param bytesAggregated partial gradient sums sent by the data partitions (to the driver, or to
 *     the variable shards)
 * @param bytesToDriver what reached the driver (partials or new weights)
 */
public record StepStats(double loss, long examples, double weightSum, double gradientNorm, double gradientMaxAbs,
    long bytesBroadcast, long bytesAggregated, long bytesToDriver) implements Serializable {}
