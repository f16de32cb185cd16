package io.meshgrad.aggregate;

import io.meshgrad.mesh.ShardedShape;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;

/**
 * One step's row-sparse pull on a mesh: the data partitions' batch rows (one job over the data,
 * {@link DatasetLoss#batchRows}) are merged into one sorted request per variable and split by
 * owning shard ({@link RowPull#requests}); each shard answers only its requested rows (one job
 * over the state, which also returns a regularised shard's sum of squares for the L2 term); the
 * answers are cut into each data partition's own rows ({@link PulledRows}). Everything the driver
 * holds is O(rows the batch touches), never O(variable).
 */
public final class RowPuller {
  private RowPuller() {}

  /** What a pull brought: the rows for the data partitions and the L2 sum of squares of the regularised pulled variables. */
  public record Pulled(PulledRows rows, double regularisedSquares) {}

  /** One shard's answer: its requested rows and, when asked, the sum of squares of its whole value. */
  private record Answer(int partition, Tensor rows, double squares) implements Serializable {}

  /**
   * @param positions the pulled variables' positions in the loss's variables list
   * @param variables their runtime variable indices (same order)
   * @param regularised whether each is L2-regularised (its squares are summed, shard by shard)
   */
  public static Pulled pull(JavaRDD<VariableShard> state, ShardIndex index, DatasetLoss data, long step,
      int[] positions, int[] variables, boolean[] regularised) {
    List<int[]> byPartition = StepJobs.collect(data.batchRows(step));
    int[] union = union(byPartition);
    HashMap<Integer, int[]> requests = new HashMap<>();
    HashSet<Integer> squaresOf = new HashSet<>();
    int[][] requested = new int[variables.length][];
    for (int k = 0; k < variables.length; k++) {
      ShardedShape shape = index.shape(variables[k]);
      requested[k] = union != null ? union : allRows(shape.numRows());
      int[][] perShard = RowPull.requests(requested[k], shape);
      for (int s = 0; s < perShard.length; s++) {
        int p = index.partitionOf(variables[k], s);
        requests.put(p, perShard[s]);
        if (regularised[k]) {
          squaresOf.add(p);
        }
      }
    }
    Map<Integer, int[]> asked = requests;
    Set<Integer> squared = squaresOf;
    List<Answer> answers = StepJobs.collect(StepJobs.mapPartitionsWithIndex(state, (p, it) -> {
      List<Answer> out = new ArrayList<>();
      int[] rows = asked.get(p);
      if (rows != null) {
        VariableShard shard = it.next();
        out.add(new Answer(p, shard.rows(rows), squared.contains(p) ? sumOfSquares(shard.value()) : 0));
      }
      return out.iterator();
    }, true));
    Map<Integer, Answer> byStatePartition = new HashMap<>();
    for (Answer a : answers) {
      byStatePartition.put(a.partition(), a);
    }
    double squares = 0;
    double[][][] values = new double[byPartition.size()][variables.length][];
    for (int k = 0; k < variables.length; k++) {
      ShardedShape shape = index.shape(variables[k]);
      Tensor[] shardAnswers = new Tensor[shape.numShards()];
      for (int s = 0; s < shardAnswers.length; s++) {
        Answer a = byStatePartition.get(index.partitionOf(variables[k], s));
        shardAnswers[s] = a.rows();
        squares += a.squares();
      }
      double[] all = RowPull.assemble(requested[k], shape, shardAnswers);
      int rowLength = shape.rowLength();
      for (int p = 0; p < byPartition.size(); p++) {
        values[p][k] = rowsOf(all, requested[k], byPartition.get(p), rowLength);
      }
    }
    return new Pulled(new PulledRows(positions, byPartition.toArray(new int[0][]), values), squares);
  }

  /** The sorted distinct rows of all partitions; {@code null} if any partition needs every row. */
  static int[] union(List<int[]> byPartition) {
    int n = 0;
    for (int[] rows : byPartition) {
      if (rows == null) {
        return null;
      }
      n += rows.length;
    }
    int[] all = new int[n];
    int at = 0;
    for (int[] rows : byPartition) {
      System.arraycopy(rows, 0, all, at, rows.length);
      at += rows.length;
    }
    Arrays.sort(all);
    int distinct = 0;
    for (int i = 0; i < all.length; i++) {
      if (i == 0 || all[i] != all[i - 1]) {
        all[distinct++] = all[i];
      }
    }
    return Arrays.copyOf(all, distinct);
  }

  private static int[] allRows(int numRows) {
    int[] rows = new int[numRows];
    for (int i = 0; i < numRows; i++) {
      rows[i] = i;
    }
    return rows;
  }

  /** The values of {@code wanted} (sorted, a subset of {@code rows}; {@code null}: all) out of the values of {@code rows}. */
  private static double[] rowsOf(double[] values, int[] rows, int[] wanted, int rowLength) {
    if (wanted == null) {
      return values;
    }
    double[] out = new double[wanted.length * rowLength];
    for (int i = 0; i < wanted.length; i++) {
      int at = Arrays.binarySearch(rows, wanted[i]);
      System.arraycopy(values, at * rowLength, out, i * rowLength, rowLength);
    }
    return out;
  }

  private static double sumOfSquares(Tensor t) {
    double s = 0;
    for (int j = 0; j < t.size(); j++) {
      double x = t.get(j);
      s += x * x;
    }
    return s;
  }

  /** The empty tensor that stands in for a pulled variable among the shipped weights. */
  public static Tensor placeholder(DType dtype) {
    return Tensor.zeros(dtype, 0);
  }
}
