package io.meshgrad.runtime;

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
import scala.Tuple2;

/**
 * The rows of row-pulled variables that one step's data partitions need, made on the driver from
 * the shards' {@link RowAnswer}s and cut into each partition's own rows ({@link PulledRows}).
 * The answers come either from the previous step's update job, which answers the requests that
 * rode on its gradient job ({@link #fromAnswers}: no job of its own), or, for a first step or
 * after the state changed otherwise, from two jobs of their own ({@link #pull}). Everything the
 * driver holds is O(rows the batch touches), never O(variable).
 */
public final class RowPuller {
  private RowPuller() {}

  /** What a pull brought: the rows for the data partitions and the L2 sum of squares of the regularised pulled variables. */
  public record Pulled(PulledRows rows, double regularisedSquares) {}

  /** The pulled variables of a step: their positions in the loss's variables list, runtime indices and L2 flags. */
  public record Variables(int[] positions, int[] variables, boolean[] regularised) implements Serializable {
    /** Whether the variable with runtime index {@code variable} is among them and L2-regularised. */
    public boolean regularises(int variable) {
      for (int k = 0; k < variables.length; k++) {
        if (variables[k] == variable) {
          return regularised[k];
        }
      }
      return false;
    }

    /** Whether {@code other} names the same variables in the same positions. */
    public boolean sameAs(Variables other) {
      return Arrays.equals(positions, other.positions) && Arrays.equals(variables, other.variables)
          && Arrays.equals(regularised, other.regularised);
    }
  }

  /**
   * Two jobs: one over the data for each partition's batch rows of step {@code step} ({@link
   * DatasetLoss#batchRows}), then one over the state in which each shard answers its requests.
   */
  public static Pulled pull(JavaRDD<VariableShard> state, ShardIndex index, DatasetLoss data, long step,
      Variables pulled) {
    List<int[]> byPartition = StepJobs.collect(data.batchRows(step));
    Map<Integer, RowRequests> requests = new HashMap<>();
    Set<Integer> squaresOf = new HashSet<>();
    for (int k = 0; k < pulled.variables().length; k++) {
      ShardedShape shape = index.shape(pulled.variables()[k]);
      for (int p = 0; p < byPartition.size(); p++) {
        int[] rows = byPartition.get(p);
        int[][] perShard = rows == null ? null : RowPull.requests(rows, shape);
        for (int s = 0; s < shape.numShards(); s++) {
          RowRequests asked = RowRequests.of(p, perShard == null ? null : perShard[s]);
          requests.merge(index.partitionOf(pulled.variables()[k], s), asked, RowRequests::plus);
        }
      }
      if (pulled.regularised()[k]) {
        for (int s = 0; s < shape.numShards(); s++) {
          squaresOf.add(index.partitionOf(pulled.variables()[k], s));
        }
      }
    }
    List<Tuple2<Integer, RowAnswer>> answers = StepJobs.collect(StepJobs.mapPartitionsWithIndex(state, (p, it) -> {
      List<Tuple2<Integer, RowAnswer>> out = new ArrayList<>();
      RowRequests asked = requests.get(p);
      if (asked != null) {
        out.add(new Tuple2<>(p, RowAnswer.of(asked, it.next(), squaresOf.contains(p))));
      }
      return out.iterator();
    }, true));
    Map<Integer, RowAnswer> byStatePartition = new HashMap<>();
    answers.forEach(a -> byStatePartition.put(a._1(), a._2()));
    return fromAnswers(index, byPartition.size(), pulled, byStatePartition);
  }

  /**
   * The pulled rows from the shards' answers ({@code answers}: by state partition, one for every
   * shard of every pulled variable) for {@code numPartitions} data partitions.
   *
   * @throws IllegalArgumentException if a shard's answer is missing or lacks a partition's request
   */
  public static Pulled fromAnswers(ShardIndex index, int numPartitions, Variables pulled,
      Map<Integer, RowAnswer> answers) {
    int[] variables = pulled.variables();
    double squares = 0;
    int[][] rows = new int[numPartitions][];
    double[][][] values = new double[numPartitions][variables.length][];
    for (int k = 0; k < variables.length; k++) {
      ShardedShape shape = index.shape(variables[k]);
      RowAnswer[] shardAnswers = new RowAnswer[shape.numShards()];
      for (int s = 0; s < shardAnswers.length; s++) {
        shardAnswers[s] = answers.get(index.partitionOf(variables[k], s));
        if (shardAnswers[s] == null) {
          throw new IllegalArgumentException("no answer from shard " + s + " of variable " + variables[k]);
        }
        squares += shardAnswers[s].squares();
      }
      for (int p = 0; p < numPartitions; p++) {
        RowPull.PartitionRows mine = RowPull.rowsOf(p, shape, shardAnswers);
        if (k > 0 && !Arrays.equals(rows[p], mine.rows())) {
          throw new IllegalArgumentException("partition " + p + " asked variables " + variables[0] + " and "
              + variables[k] + " for different rows");
        }
        rows[p] = mine.rows();
        values[p][k] = mine.values();
      }
    }
    return new Pulled(new PulledRows(pulled.positions(), rows, values), squares);
  }

  /** The empty tensor that stands in for a pulled variable among the shipped weights. */
  public static Tensor placeholder(DType dtype) {
    return Tensor.zeros(dtype, 0);
  }
}
