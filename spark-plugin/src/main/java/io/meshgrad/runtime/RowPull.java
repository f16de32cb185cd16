package io.meshgrad.runtime;

import io.meshgrad.mesh.ShardedShape;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * The shard side of a row-sparse pull, for a variable sharded on axis 0 only (each row lives
 * whole in one shard): a data partition's sorted feature rows split into per-shard requests of
 * local rows ({@link #requests}), and the rows the shards answer ({@link RowAnswer}) cut into
 * each partition's own rows ({@link #rowsOf}). Both are O(requested rows times row
 * length): nothing here is as long as the variable.
 */
public final class RowPull {
  private RowPull() {}

  /**
   * Whether rows of {@code shape} can be pulled: a variable of rank at least 1 split on axis 0
   * only, so that every row has exactly one holder.
   */
  public static boolean pullable(ShardedShape shape) {
    return shape.rank() >= 1 && shape.numPieces(0) == shape.numShards();
  }

  /**
   * The local rows each shard must return for global rows {@code rows}: element {@code s} holds
   * shard {@code s}'s, increasing (the global order restricted to the shard).
   *
   * @param rows strictly increasing global rows in {@code [0, numRows)}
   * @throws IllegalArgumentException if the shape is not {@linkplain #pullable pullable} or the
   *     rows are not strictly increasing in range
   */
  public static int[][] requests(int[] rows, ShardedShape shape) {
    requirePullable(shape);
    int[] counts = new int[shape.numShards()];
    int[] holder = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      if (rows[i] < 0 || rows[i] >= shape.numRows() || (i > 0 && rows[i] <= rows[i - 1])) {
        throw new IllegalArgumentException("rows must be strictly increasing in [0, " + shape.numRows() + "), got "
            + rows[i] + " at position " + i + (i > 0 ? " after " + rows[i - 1] : ""));
      }
      holder[i] = shape.shardsOfRow(rows[i])[0];
      counts[holder[i]]++;
    }
    int[][] out = new int[counts.length][];
    for (int s = 0; s < out.length; s++) {
      out[s] = new int[counts[s]];
    }
    int[] filled = new int[counts.length];
    for (int i = 0; i < rows.length; i++) {
      out[holder[i]][filled[holder[i]]++] = shape.localRow(holder[i], rows[i]);
    }
    return out;
  }

  /** One data partition's pulled rows of one variable: its global rows ({@code null}: all) and their values. */
  public record PartitionRows(int[] rows, double[] values) {}

  /**
   * Partition {@code source}'s rows of the variable, from each shard's {@link RowAnswer} ({@code
   * answers[s]}: shard {@code s}'s), widened to double as the data partitions compute: row {@code
   * i} of the result is global row {@code rows[i]}, at {@code i * rowLength}. A partition that
   * asked every shard for every row gets the whole variable and {@code null} rows.
   *
   * @throws IllegalArgumentException if the shape is not pullable, or an answer lacks the
   *     partition's request or the rows it asked for
   */
  public static PartitionRows rowsOf(int source, ShardedShape shape, RowAnswer[] answers) {
    requirePullable(shape);
    if (answers.length != shape.numShards()) {
      throw new IllegalArgumentException("expected one answer per shard (" + shape.numShards() + "), got "
          + answers.length);
    }
    int rowLength = shape.rowLength();
    int[][] local = new int[answers.length][];
    boolean everyRow = true;
    int n = 0;
    for (int s = 0; s < answers.length; s++) {
      RowRequests requests = answers[s].requests();
      int at = requests.indexOf(source);
      if (at < 0) {
        throw new IllegalArgumentException("the answer of shard " + s + " holds no request of partition " + source);
      }
      local[s] = requests.rows(at);
      everyRow &= local[s] == null;
      n += local[s] == null ? shape.pieceLength(0, s) : local[s].length;
    }
    int[] rows = new int[n];
    double[] values = new double[n * rowLength];
    int i = 0;
    for (int s = 0; s < answers.length; s++) {
      int start = shape.pieceStart(0, s);
      int[] union = answers[s].union();
      int count = local[s] == null ? shape.pieceLength(0, s) : local[s].length;
      for (int r = 0; r < count; r++, i++) {
        int localRow = local[s] == null ? r : local[s][r];
        int from = union == null ? localRow : java.util.Arrays.binarySearch(union, localRow);
        if (from < 0 || (from + 1) * rowLength > answers[s].values().size()) {
          throw new IllegalArgumentException("the answer of shard " + s + " lacks local row " + localRow
              + " that partition " + source + " asked for");
        }
        rows[i] = start + localRow;
        copyRow(answers[s].values(), from * rowLength, values, i * rowLength, rowLength);
      }
    }
    return new PartitionRows(everyRow ? null : rows, values);
  }

  private static void copyRow(Tensor from, int at, double[] to, int toAt, int rowLength) {
    if (from.dtype() == DType.FLOAT32) {
      float[] f = from.floats();
      for (int j = 0; j < rowLength; j++) {
        to[toAt + j] = f[at + j];
      }
    } else {
      System.arraycopy(from.doubles(), at, to, toAt, rowLength);
    }
  }

  private static void requirePullable(ShardedShape shape) {
    if (!pullable(shape)) {
      throw new IllegalArgumentException("rows can be pulled only from a variable sharded on axis 0 alone, got shape "
          + Arrays.toString(shape.shape()) + " with layout " + shape.layout());
    }
  }
}
