package io.meshgrad.aggregate;

import io.meshgrad.mesh.ShardedShape;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The part of one data partition's {@link PartialSums} that one variable shard needs: the
 * partition's loss and weight sums and the shard's slice of the gradient sum, dense or, when the
 * partition touched few rows, as rows (shard-local row index and values) so that a sparse
 * gradient travels as indices and values.
 */
public final class ShardPartial implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int source;
  private final double lossSum;
  private final double weightSum;
  private final long count;
  private final double[] dense;
  private final int[] rows;
  private final double[] rowValues;

  private ShardPartial(int source, double lossSum, double weightSum, long count, double[] dense, int[] rows,
      double[] rowValues) {
    this.source = source;
    this.lossSum = lossSum;
    this.weightSum = weightSum;
    this.count = count;
    this.dense = dense;
    this.rows = rows;
    this.rowValues = rowValues;
  }

  public int source() {
    return source;
  }

  /** Bytes of gradient data this partial carries (dense values, or row indices and values). */
  public long byteSize() {
    return dense != null ? 8L * dense.length : 4L * rows.length + 8L * rowValues.length;
  }

  /**
   * Cuts a data partition's sums of variable {@code variable} into one partial per shard.
   *
   * @return partials indexed by shard id; every shard gets one, possibly empty, so that each
   *     shard sees every partition's loss and weight sums
   */
  public static ShardPartial[] split(PartialSums sums, int variable, ShardedShape shape) {
    ShardPartial[] out = new ShardPartial[shape.numShards()];
    double[] g = sums.gradients()[variable];
    if (g == null) {
      for (int s = 0; s < out.length; s++) {
        out[s] = new ShardPartial(sums.source(), sums.lossSum(), sums.weightSum(), sums.count(), null, new int[0], new double[0]);
      }
      return out;
    }
    int numRows = shape.rank() == 0 ? 1 : shape.numRows();
    int rowLength = shape.rank() == 0 ? 1 : shape.rowLength();
    List<Integer> touched = new ArrayList<>();
    for (int r = 0; r < numRows; r++) {
      for (int j = 0; j < rowLength; j++) {
        if (g[r * rowLength + j] != 0) {
          touched.add(r);
          break;
        }
      }
    }
    if (shape.rank() == 0 || touched.size() > ObjectiveGradient.SPARSE_ROW_FRACTION * numRows) {
      for (int s = 0; s < out.length; s++) {
        out[s] = new ShardPartial(sums.source(), sums.lossSum(), sums.weightSum(), sums.count(), shape.sliceShard(g, s), null, null);
      }
      return out;
    }
    List<List<Integer>> rowsOf = new ArrayList<>();
    List<List<double[]>> valuesOf = new ArrayList<>();
    for (int s = 0; s < out.length; s++) {
      rowsOf.add(new ArrayList<>());
      valuesOf.add(new ArrayList<>());
    }
    double[] row = new double[rowLength];
    for (int r : touched) {
      System.arraycopy(g, r * rowLength, row, 0, rowLength);
      for (int s : shape.shardsOfRow(r)) {
        rowsOf.get(s).add(shape.localRow(s, r));
        valuesOf.get(s).add(shape.sliceRow(row, s));
      }
    }
    for (int s = 0; s < out.length; s++) {
      int len = shape.shardRowLength(s);
      List<double[]> vals = valuesOf.get(s);
      double[] flat = new double[vals.size() * len];
      for (int i = 0; i < vals.size(); i++) {
        System.arraycopy(vals.get(i), 0, flat, i * len, len);
      }
      out[s] = new ShardPartial(sums.source(), sums.lossSum(), sums.weightSum(), sums.count(), null,
          rowsOf.get(s).stream().mapToInt(Integer::intValue).toArray(), flat);
    }
    return out;
  }

  /** A dense partial standing for the sum of a group of sources (an intermediate aggregation level). */
  static ShardPartial ofSum(int group, Sum sum) {
    return new ShardPartial(group, sum.lossSum(), sum.weightSum(), sum.count(), sum.gradient(), null, null);
  }

  /** The summed partials of one shard, added in source-partition order. */
  public static final class Sum implements Serializable {
    private static final long serialVersionUID = 1L;
    private final double lossSum;
    private final double weightSum;
    private final long count;
    private final long bytesReceived;
    private final double[] gradient;

    Sum(double lossSum, double weightSum, long count, long bytesReceived, double[] gradient) {
      this.lossSum = lossSum;
      this.weightSum = weightSum;
      this.count = count;
      this.bytesReceived = bytesReceived;
      this.gradient = gradient;
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

    /** Dense sums over the shard's elements (live array). */
    public double[] gradient() {
      return gradient;
    }
  }

  /**
   * Sums a shard's partials in order of their source partition, whatever order they arrived in,
   * so the result does not depend on task timing or retries.
   *
   * @param shardLength number of elements of the shard
   */
  public static Sum sumInSourceOrder(List<ShardPartial> partials, int shardLength) {
    List<ShardPartial> sorted = new ArrayList<>(partials);
    sorted.sort(Comparator.comparingInt(ShardPartial::source));
    double[] g = new double[shardLength];
    double loss = 0;
    double weight = 0;
    long count = 0;
    long bytes = 0;
    int rowLength = 0;
    for (ShardPartial p : sorted) {
      loss += p.lossSum;
      weight += p.weightSum;
      count += p.count;
      bytes += p.byteSize();
      if (p.dense != null) {
        for (int i = 0; i < g.length; i++) {
          g[i] += p.dense[i];
        }
      } else if (p.rows.length > 0) {
        rowLength = p.rowValues.length / p.rows.length;
        for (int r = 0; r < p.rows.length; r++) {
          int base = p.rows[r] * rowLength;
          for (int j = 0; j < rowLength; j++) {
            g[base + j] += p.rowValues[r * rowLength + j];
          }
        }
      }
    }
    return new Sum(loss, weight, count, bytes, g);
  }
}
