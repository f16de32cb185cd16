package io.meshgrad.data;

import org.apache.spark.Partitioner;

/**
 * Sends global row index {@code i} of {@code n} rows to the {@code k} contiguous, balanced ranges
 * of {@link io.meshgrad.mesh.BalancedSplit} (extended to {@code long}): with {@code q = n / k} and
 * {@code r = n % k}, the first {@code r} partitions get {@code q + 1} rows and the rest {@code q},
 * partition {@code p} starting at row {@code p q + min(p, r)}.
 */
final class IndexRangePartitioner extends Partitioner {
  private static final long serialVersionUID = 1L;

  private final long numRows;
  private final int numPartitions;

  IndexRangePartitioner(long numRows, int numPartitions) {
    this.numRows = numRows;
    this.numPartitions = numPartitions;
  }

  /** Number of rows of partition {@code p}. */
  long rowsOf(int p) {
    long q = numRows / numPartitions;
    return q + (p < numRows % numPartitions ? 1 : 0);
  }

  /** Number of the first row of partition {@code p} ({@code numRows} for {@code p = numPartitions}). */
  long startOf(int p) {
    long q = numRows / numPartitions;
    return p * q + Math.min(p, numRows % numPartitions);
  }

  /**
   * Whether input partitions holding {@code counts} rows (in order) already are these partitions:
   * as many, each holding the rows this partitioner sends to it.
   */
  boolean matches(long[] counts) {
    if (counts.length != numPartitions) {
      return false;
    }
    for (int p = 0; p < numPartitions; p++) {
      if (counts[p] != rowsOf(p)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int numPartitions() {
    return numPartitions;
  }

  @Override
  public int getPartition(Object key) {
    long index = (Long) key;
    long q = numRows / numPartitions;
    long r = numRows % numPartitions;
    long longPieces = r * (q + 1);
    return (int) (index < longPieces ? index / (q + 1) : r + (index - longPieces) / q);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IndexRangePartitioner other
        && numRows == other.numRows
        && numPartitions == other.numPartitions;
  }

  @Override
  public int hashCode() {
    return 31 * Long.hashCode(numRows) + numPartitions;
  }
}
