package io.meshgrad.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meshgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/**
 * The engine's binary messages keep every field and every bit: what is read back writes the same
 * bytes again, and its values are the ones written (NaN, -0.0 and infinities included).
 */
class EngineWireTest {

  @Test
  void partialSumsKeepEveryBit() {
    PartialSums p = new PartialSums(3, -0.0, 7.5, 11, new RowSums[] {
        RowSums.dense(new double[] {1.5, Double.NaN, -0.0, Double.POSITIVE_INFINITY}, 2),
        RowSums.ofRows(1000, 3, new int[] {2, 999}, new double[] {1, 2, 3, 4, 5, Double.MIN_VALUE}),
        RowSums.zeros(5, 0)});
    byte[] bytes = p.toBytes();
    PartialSums q = PartialSums.fromBytes(bytes);
    assertArrayEquals(bytes, q.toBytes());
    assertEquals(3, q.source());
    assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(q.lossSum()));
    assertEquals(11, q.count());
    assertEquals(p.bytesShipped(), q.bytesShipped());
    assertArrayEquals(p.gradient(0).denseValues(), q.gradient(0).denseValues());
    assertArrayEquals(new int[] {2, 999}, q.gradient(1).rows());
    assertArrayEquals(p.gradient(1).rowValues(), q.gradient(1).rowValues());
    assertEquals(1000, q.gradient(1).numRows());
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 4);
    assertThrows(IllegalArgumentException.class, () -> PartialSums.fromBytes(longer));
  }

  @Test
  void shardMessagesKeepEveryField() {
    ShardStepStats stats = new ShardStepStats(1.25, 2, 3, 4, Double.NaN, 0.5);
    List<ShardUpdate> updates = List.of(
        new ShardUpdate(1, 0, new int[] {0, 5}, Tensor.of(new float[] {1.5f, -0f}, 2), stats, 64, null),
        new ShardUpdate(0, 2, null, Tensor.of(new double[] {3, 4, 5, 6}, 2, 2), null, 0, null),
        new ShardUpdate(2, 1, null, null, stats, 8, null));
    byte[] bytes = EngineWire.encodeUpdates(updates);
    List<ShardUpdate> back = EngineWire.decodeUpdates(bytes);
    assertArrayEquals(bytes, EngineWire.encodeUpdates(back));
    assertEquals(3, back.size());
    assertEquals(2, back.get(1).shard());
    assertEquals(64, back.get(0).bytesWritten());
    assertNull(back.get(1).stats());
    assertEquals(1.25, back.get(0).stats().lossSum);

    List<Tuple2<Integer, RowRequests>> asks = List.of(new Tuple2<>(4, RowRequests.of(1, new int[] {3, 9})),
        new Tuple2<>(7, RowRequests.of(0, null).plus(RowRequests.of(1, new int[] {2}))));
    byte[] askBytes = EngineWire.encodeRequests(asks);
    List<Tuple2<Integer, RowRequests>> asked = EngineWire.decodeRequests(askBytes);
    assertArrayEquals(askBytes, EngineWire.encodeRequests(asked));
    assertEquals(7, asked.get(1)._1());
    assertEquals(2, asked.get(1)._2().numSources());
    assertNull(asked.get(1)._2().rows(0));

    Map<Integer, Double> squares = Map.of(0, 1.5, 3, Double.NaN);
    assertEquals(new java.util.TreeMap<>(squares), EngineWire.decodeSquares(EngineWire.encodeSquares(squares)));
  }
}
