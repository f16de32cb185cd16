package io.meshgrad.runtime;

import io.meshgrad.mesh.ShardedShape;
import io.meshgrad.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The part of one data partition's {@link PartialSums} that one variable shard needs: the
 * partition's loss and weight sums and the shard's slice of the gradient sums, in shard-local
 * coordinates, as {@link RowSums}: only the touched rows when the partition touched few; and,
 * for a row-pulled variable, the shard's rows the partition's share of the next batch touches
 * ({@link RowRequests}), so that the update can answer them without a job of its own.
 */
public final class ShardPartial implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int source;
  private final double lossSum;
  private final double weightSum;
  private final long count;
  private final RowSums sums;
  private final RowRequests next;

  private ShardPartial(int source, double lossSum, double weightSum, long count, RowSums sums, RowRequests next) {
    this.source = source;
    this.lossSum = lossSum;
    this.weightSum = weightSum;
    this.count = count;
    this.sums = sums;
    this.next = next;
  }

  /** This partial with the rows of the shard its source asks for in the next step ({@code localRows} null: all). */
  public ShardPartial askingFor(int[] localRows) {
    return new ShardPartial(source, lossSum, weightSum, count, sums, RowRequests.of(source, localRows));
  }

  public int source() {
    return source;
  }

  /** Bytes of gradient data this partial carries (dense values, or row indices and values). */
  public long byteSize() {
    return sums.byteSize();
  }

  /**
   * Cuts a data partition's sums of the variable at {@code position} into one partial per shard.
   * Sums held as rows are routed row by row; dense sums are sent as the rows that hold a non-zero
   * when few do, else as dense slices.
   *
   * @return partials indexed by shard id; every shard gets one, possibly empty, so that each
   *     shard sees every partition's loss and weight sums
   */
  public static ShardPartial[] split(PartialSums partials, int position, ShardedShape shape) {
    RowSums g = partials.gradient(position);
    RowSums[] pieces;
    if (shape.rank() == 0) {
      pieces = new RowSums[] {g};
    } else if (g.isDense()) {
      int[] touched = ObjectiveGradient.nonZeroRows(g.denseValues(), g.numRows(), g.rowLength());
      pieces = touched.length > ObjectiveGradient.SPARSE_ROW_FRACTION * shape.numRows()
          ? denseSlices(g.denseValues(), shape)
          : routeRows(shape, touched, g.denseValues(), touched);
    } else {
      pieces = routeRows(shape, g.rows(), g.rowValues(), null);
    }
    ShardPartial[] out = new ShardPartial[pieces.length];
    for (int s = 0; s < out.length; s++) {
      out[s] = new ShardPartial(partials.source(), partials.lossSum(), partials.weightSum(), partials.count(), pieces[s],
          null);
    }
    return out;
  }

  private static RowSums[] denseSlices(double[] g, ShardedShape shape) {
    RowSums[] out = new RowSums[shape.numShards()];
    for (int s = 0; s < out.length; s++) {
      int rowLength = shape.shardRowLength(s);
      out[s] = rowLength == 0 ? RowSums.zeros(shape.shardShape(s)[0], 0)
          : RowSums.dense(shape.sliceShard(g, s), rowLength);
    }
    return out;
  }

  /**
   * Each shard's part of the given rows.
   *
   * @param valueRows where row {@code rows[i]}'s values start in {@code values}, in rows: {@code i}
   *     when null
   */
  private static RowSums[] routeRows(ShardedShape shape, int[] rows, double[] values, int[] valueRows) {
    int numShards = shape.numShards();
    int rowLength = shape.rowLength();
    int[][] localRows = new int[numShards][rows.length];
    double[][] localValues = new double[numShards][];
    int[] counts = new int[numShards];
    for (int s = 0; s < numShards; s++) {
      localValues[s] = new double[rows.length * shape.shardRowLength(s)];
    }
    double[] row = new double[rowLength];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(values, (valueRows == null ? i : valueRows[i]) * rowLength, row, 0, rowLength);
      for (int s : shape.shardsOfRow(rows[i])) {
        double[] slice = shape.sliceRow(row, s);
        System.arraycopy(slice, 0, localValues[s], counts[s] * slice.length, slice.length);
        localRows[s][counts[s]++] = shape.localRow(s, rows[i]);
      }
    }
    RowSums[] out = new RowSums[numShards];
    for (int s = 0; s < numShards; s++) {
      int len = shape.shardRowLength(s);
      out[s] = len == 0 ? RowSums.zeros(shape.shardShape(s)[0], 0)
          : RowSums.ofRows(shape.shardShape(s)[0], len, java.util.Arrays.copyOf(localRows[s], counts[s]),
              java.util.Arrays.copyOf(localValues[s], counts[s] * len));
    }
    return out;
  }

  /** A partial standing for the sum of a group of sources (an intermediate aggregation level). */
  static ShardPartial ofSum(int group, Sum sum) {
    return new ShardPartial(group, sum.lossSum(), sum.weightSum(), sum.count(), sum.gradient(), sum.next());
  }

  /** The summed partials of one shard, added in source-partition order. */
  public static final class Sum implements Serializable {
    private static final long serialVersionUID = 1L;
    private final double lossSum;
    private final double weightSum;
    private final long count;
    private final long bytesReceived;
    private final RowSums gradient;
    private final RowRequests next;

    Sum(double lossSum, double weightSum, long count, long bytesReceived, RowSums gradient, RowRequests next) {
      this.lossSum = lossSum;
      this.weightSum = weightSum;
      this.count = count;
      this.bytesReceived = bytesReceived;
      this.gradient = gradient;
      this.next = next;
    }

    /** The next step's rows the summed partitions ask of the shard, or {@code null} if none asked. */
    public RowRequests next() {
      return next;
    }

    /** Rows in the batch. */
    public long count() {
      return count;
    }

    /** Bytes of the partials that were summed. */
    public long bytesReceived() {
      return bytesReceived;
    }

    public double lossSum() {
      return lossSum;
    }

    public double weightSum() {
      return weightSum;
    }

    /** The shard's gradient sums. */
    public RowSums gradient() {
      return gradient;
    }
  }

  /**
   * Sums a shard's partials in order of their source partition, whatever order they arrived in,
   * so the result does not depend on task timing or retries.
   *
   * @param shardShape the shard's shape (rows along axis 0)
   */
  public static Sum sumInSourceOrder(List<ShardPartial> partials, int[] shardShape) {
    List<ShardPartial> sorted = new ArrayList<>(partials);
    sorted.sort(Comparator.comparingInt(ShardPartial::source));
    int numRows = shardShape.length == 0 ? 1 : shardShape[0];
    int rowLength = shardShape.length <= 1 ? 1
        : Math.toIntExact(Tensor.numElements(java.util.Arrays.copyOfRange(shardShape, 1, shardShape.length)));
    RowSums g = RowSums.zeros(numRows, rowLength);
    double loss = 0;
    double weight = 0;
    long count = 0;
    long bytes = 0;
    RowRequests next = null;
    for (ShardPartial p : sorted) {
      if (p.next != null) {
        next = p.next.plus(next);
      }
      loss += p.lossSum;
      weight += p.weightSum;
      count += p.count;
      bytes += p.byteSize();
      g = g.plus(p.sums);
    }
    return new Sum(loss, weight, count, bytes, g, next);
  }

  /** Writes this partial in the engine's binary form ({@link EngineWire}). */
  void writeTo(EngineWire.Out out) {
    out.putInt(source);
    out.putDouble(lossSum);
    out.putDouble(weightSum);
    out.putLong(count);
    out.putRowSums(sums);
    RowRequests.writeTo(next, out);
  }

  /** A partial {@link #writeTo} wrote. */
  static ShardPartial readFrom(EngineWire.In in) {
    return new ShardPartial(in.getInt(), in.getDouble(), in.getDouble(), in.getLong(), in.getRowSums(),
        RowRequests.readFrom(in));
  }
}
