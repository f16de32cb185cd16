package io.meshgrad.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.SparkTestSession;
import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.mesh.ShardedShape;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/**
 * What a task of the engine that owns a shard computes ({@link OwnedShards#split} at every source,
 * then {@link ShardedStep#sumInProcess} at the owner) is bit for bit what the job path's
 * reduce-scatter ({@link ShardedStep#reduceScatter}) delivers to the shard over Spark's
 * shuffles, for source counts with and without intermediate levels, at depths 1 to 3.
 */
class ReduceScatterInProcessTest {
  @Test
  void theSameSumsAsTheSparkReduceScatter() {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
    Mesh mesh = Mesh.parse("batch=2,model=2");
    List<ShardedShape> shapes = List.of(ShardedShape.of(Layout.defaultFor(mesh, 1), new int[] {10}),
        ShardedShape.of(Layout.replicated(mesh, 1), new int[] {1}));
    ShardIndex index = new ShardIndex(shapes, List.of(DType.FLOAT64, DType.FLOAT64));
    int[] variables = {0, 1};
    Penalty[] penalties = {Penalty.NONE, Penalty.NONE};
    SplittableRandom r = new SplittableRandom(11);
    int checked = 0;
    int levelsShow = 0;
    for (int n : new int[] {1, 2, 5, 10, 17}) {
      for (int depth : new int[] {1, 2, 3}) {
        List<PartialSums> partials = new ArrayList<>();
        for (int source = 0; source < n; source++) {
          double[] g = new double[10];
          for (int j = 0; j < g.length; j++) {
            g[j] = (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(-8, 9)); // magnitudes that round differently
          }
          partials.add(new PartialSums(source, r.nextDouble() * 1e3, r.nextInt(1, 100), 7,
              new RowSums[] {RowSums.dense(g, 1), RowSums.dense(new double[] {r.nextDouble() - 0.5}, 1)}));
        }
        ShardedStep aggregator = new ShardedStep(index, depth);
        List<ShardInput> spark = aggregator.reduceScatter(jsc.parallelize(partials, Math.min(n, 4)), variables,
            penalties, n).collect();
        List<VariableShard> shards = new ArrayList<>();
        for (int v = 0; v < shapes.size(); v++) {
          for (int s = 0; s < shapes.get(v).numShards(); s++) {
            shards.add(new VariableShard(v, s, Tensor.zeros(DType.FLOAT64, shapes.get(v).shardShape(s)), Map.of()));
          }
        }
        // every rank of 2 owns its partitions, as in the engine; every source sends every owner its pieces
        for (int rank = 0; rank < 2; rank++) {
          List<VariableShard> mine = new ArrayList<>();
          for (int p = 0; p < shards.size(); p++) {
            if (OwnedShards.ownerOf(p, 2) == rank) {
              mine.add(shards.get(p));
            }
          }
          OwnedShards owned = new OwnedShards(index, depth, variables, penalties, n, mine);
          List<Tuple2<Integer, ShardPartial>> received = new ArrayList<>();
          for (int source = n - 1; source >= 0; source--) { // arrival order does not matter
            received.addAll(owned.split(partials.get(source), 2).get(rank));
          }
          Map<Integer, Double> squares = owned.sum(received);
          for (int p = 0; p < shards.size(); p++) {
            if (OwnedShards.ownerOf(p, 2) != rank) {
              continue;
            }
            ShardPartial.Sum sum = aggregator.sumInProcess(p, piecesOf(received, p), n);
            ShardInput inProcess = new ShardInput.Summed(sum, Penalty.NONE);
            String what = n + " sources, depth " + depth + ", partition " + p;
            assertEquals(spark.get(p).lossSum(), inProcess.lossSum(), 0.0, what + ": loss sum");
            assertEquals(spark.get(p).weightSum(), inProcess.weightSum(), 0.0, what + ": weight sum");
            assertEquals(spark.get(p).gradient(shards.get(p)), inProcess.gradient(shards.get(p)), what + ": gradient");
            assertEquals(Double.doubleToRawLongBits(
                io.meshgrad.optimizer.GradientClipping.sumOfSquares(spark.get(p).gradient(shards.get(p)))),
                Double.doubleToRawLongBits(squares.get(p)), what + ": sum of squares");
            checked++;
            ShardPartial.Sum flat = ShardPartial.sumInSourceOrder(piecesOf(received, p),
                index.shape(index.variableOf(p)).shardShape(index.shardOf(p)));
            levelsShow += new ShardInput.Summed(flat, Penalty.NONE).gradient(shards.get(p))
                .equals(inProcess.gradient(shards.get(p))) ? 0 : 1;
          }
        }
      }
    }
    assertTrue(checked == 5 * 3 * 3, "every partition of every case was compared, got " + checked);
    assertTrue(levelsShow > 0, "the inputs must tell the levels' order from a flat sum in source order");
  }

  private static List<ShardPartial> piecesOf(List<Tuple2<Integer, ShardPartial>> received, int partition) {
    List<ShardPartial> out = new ArrayList<>();
    for (Tuple2<Integer, ShardPartial> t : received) {
      if (t._1() == partition) {
        out.add(t._2());
      }
    }
    return out;
  }
}
