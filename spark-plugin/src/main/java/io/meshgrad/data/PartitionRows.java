package io.meshgrad.data;

import io.meshgrad.loss.Instance;
import io.meshgrad.loss.InstanceBlock;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * The training rows of one data partition, packed as {@link InstanceBlock}s: the element type of
 * {@link TrainingData#rdd()}, one per partition. Rows are addressed by their 0-based position in
 * the partition, counting through the blocks in order.
 *
 * <p>Immutable and serializable.
 */
public final class PartitionRows implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int partition;
  private final int numFeatures;
  private final ArrayList<InstanceBlock> blocks;
  /** {@code blockStarts[b]} is the position of block {@code b}'s first row; last = numRows. */
  private final int[] blockStarts;
  private final double weightSum;
  private final int maxBlockRows;
  private final Layout layout;

  private enum Layout {
    DENSE,
    SPARSE,
    MIXED
  }

  /**
   * The rows of partition {@code partition}.
   *
   * @param blocks the rows, in order; every block must have {@code numFeatures} features
   * @throws IllegalArgumentException if {@code partition < 0}, a block is null or has another
   *     number of features, or there are more than {@link BatchPlan#MAX_PARTITION_ROWS} rows
   */
  public PartitionRows(int partition, int numFeatures, List<InstanceBlock> blocks) {
    if (partition < 0) {
      throw new IllegalArgumentException("partition must be >= 0, got " + partition);
    }
    if (numFeatures < 0) {
      throw new IllegalArgumentException("numFeatures must be >= 0, got " + numFeatures);
    }
    if (blocks == null) {
      throw new IllegalArgumentException("blocks must be a list, got null");
    }
    this.partition = partition;
    this.numFeatures = numFeatures;
    this.blocks = new ArrayList<>(blocks);
    this.blockStarts = new int[blocks.size() + 1];
    long rows = 0;
    double weights = 0.0;
    int maxRows = 0;
    boolean anyDense = false;
    boolean anySparse = false;
    for (int b = 0; b < this.blocks.size(); b++) {
      InstanceBlock block = this.blocks.get(b);
      if (block == null || block.numFeatures() != numFeatures) {
        throw new IllegalArgumentException(
            "blocks[" + b + "] must be a block of " + numFeatures + " features, got "
                + (block == null ? "null" : block.numFeatures() + " features"));
      }
      rows += block.numRows();
      if (rows > BatchPlan.MAX_PARTITION_ROWS) {
        throw new IllegalArgumentException(
            "a partition can hold at most " + BatchPlan.MAX_PARTITION_ROWS
                + " rows, got more in partition " + partition);
      }
      blockStarts[b + 1] = (int) rows;
      weights += block.weightSum();
      maxRows = Math.max(maxRows, block.numRows());
      anyDense |= !block.isSparse();
      anySparse |= block.isSparse();
    }
    this.weightSum = weights;
    this.maxBlockRows = maxRows;
    this.layout = anyDense && anySparse ? Layout.MIXED : anySparse ? Layout.SPARSE : Layout.DENSE;
  }

  /** The partition's index in {@link TrainingData#rdd()}. */
  public int partition() {
    return partition;
  }

  public int numFeatures() {
    return numFeatures;
  }

  public int numRows() {
    return blockStarts[blocks.size()];
  }

  /** Sum of the rows' weights, added block by block in order. */
  public double weightSum() {
    return weightSum;
  }

  /** The blocks, in row order (read-only). */
  public Iterable<InstanceBlock> blocks() {
    return Collections.unmodifiableList(blocks);
  }

  public int numBlocks() {
    return blocks.size();
  }

  /** The row at {@code position}, with a new features vector. */
  public Instance row(int position) {
    int b = blockOf(position);
    return blocks.get(b).row(position - blockStarts[b]);
  }

  /**
   * A new block holding the rows at {@code positions}, in that order (repeats allowed), stored
   * dense when this partition's blocks are all dense, CSR when they are all CSR, and otherwise
   * whichever is smaller.
   *
   * @throws IllegalArgumentException if {@code positions} is null or empty, or a position is out
   *     of range
   */
  public InstanceBlock select(int[] positions) {
    if (positions == null || positions.length == 0) {
      throw new IllegalArgumentException(
          "positions must name at least 1 row, got " + (positions == null ? "null" : "[]"));
    }
    return gather(positions, 0, positions.length);
  }

  /**
   * Passes {@code action} the rows this partition contributes to step {@code step} of {@code
   * plan}, as blocks in order: the stored blocks for the full batch; for a mini-batch, its rows
   * gathered into blocks of at most as many rows as this partition's largest block. An empty slice
   * passes nothing.
   *
   * @throws IllegalArgumentException if the plan was not made for this partition's row count
   */
  public void forEachBatchBlock(BatchPlan plan, long step, Consumer<InstanceBlock> action) {
    checkPlan(plan);
    if (plan.isFullBatch()) {
      for (InstanceBlock block : blocks) {
        action.accept(block);
      }
      return;
    }
    int[] positions = plan.rowsFor(step, partition);
    for (int from = 0; from < positions.length; from += maxBlockRows) {
      int to = Math.min(positions.length, from + maxBlockRows);
      action.accept(gather(positions, from, to));
    }
  }

  private InstanceBlock gather(int[] positions, int from, int to) {
    for (int i = from; i < to; i++) {
      int position = positions[i];
      if (position < 0 || position >= numRows()) {
        throw new IllegalArgumentException(
            "positions[" + i + "] must be in [0, " + numRows() + ") (the rows of partition "
                + partition + "), got " + position);
      }
    }
    if (layout == Layout.SPARSE) {
      // CSR rows straight from the stored blocks: the block InstanceBlock.sparse builds of row(position)
      InstanceBlock[] sources = new InstanceBlock[to - from];
      int[] rows = new int[to - from];
      for (int i = from; i < to; i++) {
        int b = blockOf(positions[i]);
        sources[i - from] = blocks.get(b);
        rows[i - from] = positions[i] - blockStarts[b];
      }
      return InstanceBlock.sparseRows(sources, rows, numFeatures);
    }
    List<Instance> rows = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      rows.add(row(positions[i]));
    }
    return switch (layout) {
      case DENSE -> InstanceBlock.dense(rows, numFeatures);
      case SPARSE -> InstanceBlock.sparse(rows, numFeatures);
      case MIXED -> InstanceBlock.fromInstances(rows, numFeatures);
    };
  }

  private int blockOf(int position) {
    if (position < 0 || position >= numRows()) {
      throw new IllegalArgumentException(
          "position must be in [0, " + numRows() + ") (the rows of partition " + partition
              + "), got " + position);
    }
    int b = Arrays.binarySearch(blockStarts, 0, blocks.size(), position);
    return b >= 0 ? b : -b - 2;
  }

  private void checkPlan(BatchPlan plan) {
    if (partition >= plan.numPartitions() || plan.rowsInPartition(partition) != numRows()) {
      throw new IllegalArgumentException(
          "plan must be made for the rows of these partitions: partition " + partition + " has "
              + numRows() + " rows, but the plan " + plan
              + (partition >= plan.numPartitions()
                  ? " has no such partition"
                  : " expects " + plan.rowsInPartition(partition)));
    }
  }

  @Override
  public String toString() {
    return "PartitionRows(partition=" + partition + ", numRows=" + numRows() + ", numFeatures="
        + numFeatures + ", blocks=" + blocks.size() + ", weightSum=" + weightSum + ")";
  }
}
