package io.meshgrad.aggregate;

import io.meshgrad.mesh.ShardedShape;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * The shard side of a row-sparse pull, for a variable sharded on axis 0 only (each row lives
 * whole in one shard): a data partition's sorted feature rows split into per-shard requests of
 * local rows ({@link #requests}), and the rows the shards answer ({@link VariableShard#rows})
 * put back in the order of the request ({@link #assemble}). Both are O(requested rows times row
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

  /**
   * The rows {@code rows} as one row-major array of doubles, row {@code i} at {@code i * rowLength},
   * from each shard's answer to its {@link #requests request} ({@code answers[s]}: shard {@code
   * s}'s requested rows, in request order; widened to double as the data partitions compute).
   *
   * @throws IllegalArgumentException if the shape is not pullable, or an answer does not hold
   *     the rows requested of its shard
   */
  public static double[] assemble(int[] rows, ShardedShape shape, Tensor[] answers) {
    requirePullable(shape);
    if (answers.length != shape.numShards()) {
      throw new IllegalArgumentException("expected one answer per shard (" + shape.numShards() + "), got "
          + answers.length);
    }
    int rowLength = shape.rowLength();
    int[] taken = new int[answers.length];
    double[] out = new double[rows.length * rowLength];
    for (int i = 0; i < rows.length; i++) {
      int s = shape.shardsOfRow(rows[i])[0];
      Tensor answer = answers[s];
      int from = taken[s]++ * rowLength;
      if (answer == null || from + rowLength > answer.size()) {
        throw new IllegalArgumentException("the answer of shard " + s + " holds "
            + (answer == null ? 0 : answer.size() / Math.max(1, rowLength)) + " rows, fewer than were requested of it");
      }
      if (answer.dtype() == DType.FLOAT32) {
        float[] f = answer.floats();
        for (int j = 0; j < rowLength; j++) {
          out[i * rowLength + j] = f[from + j];
        }
      } else {
        System.arraycopy(answer.doubles(), from, out, i * rowLength, rowLength);
      }
    }
    for (int s = 0; s < answers.length; s++) {
      int held = answers[s] == null ? 0 : answers[s].size();
      if (held != taken[s] * rowLength) {
        throw new IllegalArgumentException("the answer of shard " + s + " holds " + held + " values, expected "
            + taken[s] * rowLength + " (" + taken[s] + " rows of " + rowLength + ")");
      }
    }
    return out;
  }

  private static void requirePullable(ShardedShape shape) {
    if (!pullable(shape)) {
      throw new IllegalArgumentException("rows can be pulled only from a variable sharded on axis 0 alone, got shape "
          + Arrays.toString(shape.shape()) + " with layout " + shape.layout());
    }
  }
}
