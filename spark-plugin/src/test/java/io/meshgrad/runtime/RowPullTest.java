package io.meshgrad.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.mesh.ShardedShape;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The shard side of the row-sparse pull: requests split by owning shard, shards answer only the
 * requested rows, and each partition's rows cut from the answers equal the same rows of the whole
 * variable exactly.
 */
class RowPullTest {
  private static final Mesh MESH = Mesh.parse("batch=2,model=3");

  private static Tensor random(DType dtype, long seed, int... shape) {
    Random r = new Random(seed);
    double[] v = new double[Math.toIntExact(Tensor.numElements(shape))];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextGaussian();
    }
    return Tensor.fromDoubles(dtype, v, shape);
  }

  private static int[] sortedRows(int numRows, int n, long seed) {
    Random r = new Random(seed);
    TreeSet<Integer> rows = new TreeSet<>();
    while (rows.size() < n) {
      rows.add(r.nextInt(numRows));
    }
    return rows.stream().mapToInt(Integer::intValue).toArray();
  }

  @Test
  void assembledRowsEqualTheRowsOfTheWholeVariable() {
    for (DType dtype : DType.values()) {
      for (int[] shape : new int[][] {{1000}, {1000, 4}, {7, 3}}) {
        Layout layout = shape.length == 1 ? Layout.of(MESH, "model") : Layout.of(MESH, "model", "unsharded");
        ShardedShape sharded = ShardedShape.of(layout, shape);
        assertTrue(RowPull.pullable(sharded));
        Tensor whole = random(dtype, 3, shape);
        VariableShard[] shards = new VariableShard[sharded.numShards()];
        for (int s = 0; s < shards.length; s++) {
          shards[s] = new VariableShard(0, s, (Tensor) ShardedStep.shardOf(whole, sharded, s), Map.of());
        }
        int rowLength = sharded.rowLength();
        double[] all = whole.toDoubleArray();
        for (int n : new int[] {0, 1, Math.min(5, shape[0]), shape[0]}) {
          int[] rows = sortedRows(shape[0], n, n);
          // partition 0 asks for `rows`, partition 1 for every other of them, partition 2 for every row
          int[] half = java.util.stream.IntStream.range(0, rows.length).filter(i -> i % 2 == 0).map(i -> rows[i])
              .toArray();
          int[][] requests = RowPull.requests(rows, sharded);
          int[][] halfRequests = RowPull.requests(half, sharded);
          RowAnswer[] answers = new RowAnswer[shards.length];
          int requested = 0;
          for (int s = 0; s < shards.length; s++) {
            RowRequests asked = RowRequests.of(2, null).plus(RowRequests.of(1, halfRequests[s]))
                .plus(RowRequests.of(0, requests[s]));
            answers[s] = RowAnswer.of(asked, shards[s], false);
            requested += requests[s].length;
          }
          assertEquals(rows.length, requested, "each row is asked of exactly one shard");
          String what = dtype + " " + java.util.Arrays.toString(shape) + " " + n + " rows";
          for (int[] wanted : new int[][] {rows, half}) {
            double[] expected = new double[wanted.length * rowLength];
            for (int i = 0; i < wanted.length; i++) {
              System.arraycopy(all, wanted[i] * rowLength, expected, i * rowLength, rowLength);
            }
            RowPull.PartitionRows got = RowPull.rowsOf(wanted == rows ? 0 : 1, sharded, answers);
            assertArrayEquals(wanted, got.rows(), what);
            assertArrayEquals(expected, got.values(), 0.0, what);
          }
          RowPull.PartitionRows every = RowPull.rowsOf(2, sharded, answers);
          assertEquals(null, every.rows(), what + ": a partition that asked for every row");
          assertArrayEquals(all, every.values(), 0.0, what + ": every row");
        }
      }
    }
  }

  @Test
  void requestsAreLocalRowsOfTheOwningShardInIncreasingOrder() {
    ShardedShape shape = ShardedShape.of(Layout.of(MESH, "model"), 10); // pieces [0,4) [4,7) [7,10)
    int[][] requests = RowPull.requests(new int[] {1, 3, 4, 8, 9}, shape);
    assertArrayEquals(new int[] {1, 3}, requests[0]);
    assertArrayEquals(new int[] {0}, requests[1]);
    assertArrayEquals(new int[] {1, 2}, requests[2]);
  }

  @Test
  void whatCannotBePulledIsRejectedWithTheReason() {
    ShardedShape columns = ShardedShape.of(Layout.of(MESH, "unsharded", "model"), 100, 6);
    assertFalse(RowPull.pullable(columns));
    IllegalArgumentException layout = assertThrows(IllegalArgumentException.class,
        () -> RowPull.requests(new int[] {1}, columns));
    assertTrue(layout.getMessage().contains("axis 0 alone"), layout.getMessage());

    ShardedShape rows = ShardedShape.of(Layout.of(MESH, "model"), 10);
    IllegalArgumentException unordered = assertThrows(IllegalArgumentException.class,
        () -> RowPull.requests(new int[] {5, 2}, rows));
    assertTrue(unordered.getMessage().contains("strictly increasing"), unordered.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RowPull.requests(new int[] {10}, rows));

    RowAnswer[] other = new RowAnswer[3];
    for (int s = 0; s < 3; s++) {
      other[s] = RowAnswer.of(RowRequests.of(1, new int[0]), new VariableShard(0, s, Tensor.zeros(DType.FLOAT64,
          rows.shardShape(s)), Map.of()), false);
    }
    IllegalArgumentException answer = assertThrows(IllegalArgumentException.class,
        () -> RowPull.rowsOf(0, rows, other));
    assertTrue(answer.getMessage().contains("shard 0") && answer.getMessage().contains("partition 0"),
        answer.getMessage());

    VariableShard shard = new VariableShard(0, 0, Tensor.zeros(DType.FLOAT32, 4), Map.of());
    IllegalArgumentException outside = assertThrows(IllegalArgumentException.class, () -> shard.rows(new int[] {4}));
    assertTrue(outside.getMessage().contains("[0, 4)"), outside.getMessage());
  }
}
