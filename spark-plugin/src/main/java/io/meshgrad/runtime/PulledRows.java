package io.meshgrad.runtime;

import java.io.Serializable;

/**
 * The rows of row-pulled variables that each data partition's share of one step's batch needs,
 * as the data partitions' tasks receive them ({@link ShippedRows}): per partition the sorted
 * features its slice touches ({@code null}: every row, for a slice with a dense block) and, per
 * pulled variable, those rows' values widened to double, row {@code i} at {@code i * rowLength}.
 * Made by a mesh runtime's pull; read by {@link DatasetLoss#partialSums(ShippedWeights,
 * ShippedRows, long)}.
 */
public final class PulledRows implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int[] positions;
  private final int[][] rows;
  private final double[][][] values;

  /**
   * @param positions the pulled variables' positions in the loss's variables list
   * @param rows per data partition, its batch rows (or {@code null} for all rows)
   * @param values per data partition, per pulled variable (in {@code positions} order), the rows' values
   */
  public PulledRows(int[] positions, int[][] rows, double[][][] values) {
    if (rows.length != values.length) {
      throw new IllegalArgumentException("expected rows and values for the same partitions, got " + rows.length
          + " and " + values.length);
    }
    this.positions = positions;
    this.rows = rows;
    this.values = values;
  }

  /** The pulled variables' positions in the variables list. */
  public int[] positions() {
    return positions.clone();
  }

  /** Partition {@code partition}'s batch rows, increasing; {@code null} when it holds every row. */
  public int[] rowsOf(int partition) {
    return rows[partition];
  }

  /**
   * The weights partition {@code partition} computes with: {@code whole} (one array per variable,
   * not modified) with each pulled variable's array replaced by the partition's rows of it.
   */
  public double[][] weightsOf(int partition, double[][] whole) {
    double[][] w = whole.clone();
    for (int k = 0; k < positions.length; k++) {
      w[positions[k]] = values[partition][k];
    }
    return w;
  }

  /** Bytes of row numbers and values held. */
  public long byteSize() {
    long n = 0;
    for (int p = 0; p < rows.length; p++) {
      n += rows[p] == null ? 0 : 4L * rows[p].length;
      for (double[] v : values[p]) {
        n += v == null ? 0 : 8L * v.length; // a partition another task assembles (RowPuller#fromAnswers for one)
      }
    }
    return n;
  }
}
