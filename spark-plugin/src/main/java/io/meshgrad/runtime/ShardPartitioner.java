package io.meshgrad.runtime;

import org.apache.spark.Partitioner;

/** Sends key {@code i} (an {@link Integer}) to partition {@code i}: one state shard per partition. */
public final class ShardPartitioner extends Partitioner {
  private static final long serialVersionUID = 1L;

  private final int numPartitions;

  public ShardPartitioner(int numPartitions) {
    this.numPartitions = numPartitions;
  }

  @Override
  public int numPartitions() {
    return numPartitions;
  }

  @Override
  public int getPartition(Object key) {
    return (Integer) key;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ShardPartitioner p && p.numPartitions == numPartitions;
  }

  @Override
  public int hashCode() {
    return numPartitions;
  }
}
