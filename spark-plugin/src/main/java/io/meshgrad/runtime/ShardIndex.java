package io.meshgrad.runtime;

import io.meshgrad.mesh.ShardedShape;
import io.meshgrad.tensor.DType;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * Where each variable shard lives in a state RDD: the shards of variable 0 in partitions
 * {@code 0..n0-1}, those of variable 1 next, and so on, one shard per partition.
 */
public final class ShardIndex implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ShardedShape[] shapes;
  private final DType[] dtypes;
  private final int[] first;
  private final int numPartitions;

  public ShardIndex(List<ShardedShape> shapes, List<DType> dtypes) {
    this.shapes = shapes.toArray(new ShardedShape[0]);
    this.dtypes = dtypes.toArray(new DType[0]);
    this.first = new int[this.shapes.length];
    int p = 0;
    for (int v = 0; v < this.shapes.length; v++) {
      first[v] = p;
      p += this.shapes[v].numShards();
    }
    this.numPartitions = p;
  }

  public int numVariables() {
    return shapes.length;
  }

  public int numPartitions() {
    return numPartitions;
  }

  public ShardedShape shape(int variable) {
    return shapes[variable];
  }

  public DType dtype(int variable) {
    return dtypes[variable];
  }

  /** The state partition holding shard {@code shard} of {@code variable}. */
  public int partitionOf(int variable, int shard) {
    return first[variable] + shard;
  }

  /** The variable whose shard partition {@code partition} holds. */
  public int variableOf(int partition) {
    int i = Arrays.binarySearch(first, partition); // first[] strictly increases: every variable has a shard
    return i >= 0 ? i : -i - 2;
  }

  /** The shard id that partition {@code partition} holds. */
  public int shardOf(int partition) {
    return partition - first[variableOf(partition)];
  }
}
