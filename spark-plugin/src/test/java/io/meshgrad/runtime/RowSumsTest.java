package io.meshgrad.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class RowSumsTest {

  /** Random sums of {@code rows} distinct rows (some values -0.0 and 0.0, which must keep their bits). */
  private static RowSums randomRows(Random rnd, int numRows, int rowLength, int rows) {
    TreeSet<Integer> picked = new TreeSet<>();
    while (picked.size() < rows) {
      picked.add(rnd.nextInt(numRows));
    }
    int[] idx = picked.stream().mapToInt(Integer::intValue).toArray();
    double[] values = new double[idx.length * rowLength];
    for (int i = 0; i < values.length; i++) {
      int kind = rnd.nextInt(10);
      values[i] = kind == 0 ? -0.0 : kind == 1 ? 0.0 : rnd.nextGaussian();
    }
    return RowSums.ofRows(numRows, rowLength, idx, values);
  }

  /** Bits of each value, zeros of either sign counted as 0.0 (see RowSums' contract). */
  private static long[] bits(double[] values) {
    return Arrays.stream(values).mapToLong(x -> Double.doubleToRawLongBits(x == 0 ? 0.0 : x)).toArray();
  }

  /** What adding the dense arrays gives, as the driver did before sums could be sparse. */
  private static double[] denseSum(RowSums a, RowSums b) {
    double[] x = a.toDense().clone();
    double[] y = b.toDense();
    for (int i = 0; i < x.length; i++) {
      x[i] += y[i];
    }
    return x;
  }

  @Test
  void sparsePlusSparseIsBitForBitTheDenseSum() {
    Random rnd = new Random(3);
    for (int trial = 0; trial < 50; trial++) {
      int numRows = 50 + rnd.nextInt(200);
      int rowLength = 1 + rnd.nextInt(3);
      RowSums a = randomRows(rnd, numRows, rowLength, rnd.nextInt(numRows / 4));
      RowSums b = randomRows(rnd, numRows, rowLength, rnd.nextInt(numRows / 4));
      double[] expected = denseSum(a, b);
      RowSums sum = a.plus(b);
      assertFalse(sum.isDense(), "at most half the rows: kept as rows");
      assertArrayEquals(bits(expected), bits(sum.toDense()), "trial " + trial);
    }
  }

  @Test
  void mixedSumsMatchTheDenseSumAndBecomeDenseWhenMostRowsAreHeld() {
    Random rnd = new Random(4);
    RowSums a = randomRows(rnd, 40, 2, 30);
    RowSums b = randomRows(rnd, 40, 2, 30);
    double[] expected = denseSum(a, b);
    RowSums sum = a.plus(b);
    assertTrue(sum.isDense(), "more than half the rows held: dense");
    assertArrayEquals(bits(expected), bits(sum.toDense()));

    RowSums dense = RowSums.dense(randomRows(rnd, 40, 2, 35).toDense(), 2);
    RowSums rows = randomRows(rnd, 40, 2, 5);
    double[] expected2 = denseSum(rows, dense);
    assertArrayEquals(bits(expected2), bits(rows.plus(dense).toDense()));
    double[] before = dense.toDense().clone();
    double[] expected3 = denseSum(RowSums.dense(before.clone(), 2), rows);
    assertArrayEquals(bits(expected3), bits(dense.plus(rows).toDense()));
  }

  @Test
  void byteSizeCountsIndicesAndValues() {
    assertEquals(3 * 4 + 3 * 2 * 8, RowSums.ofRows(10, 2, new int[] {1, 4, 9}, new double[6]).byteSize());
    assertEquals(20 * 8, RowSums.dense(new double[20], 2).byteSize());
    assertEquals(0, RowSums.zeros(10, 2).byteSize());
    assertEquals(0, RowSums.zeros(4, 0).toDense().length, "an empty shard's rows have no elements");
  }

  @Test
  void badRowsAreRefusedWithTheOffendingIndex() {
    IllegalArgumentException unsorted = assertThrows(IllegalArgumentException.class,
        () -> RowSums.ofRows(10, 1, new int[] {3, 2}, new double[2]));
    assertTrue(unsorted.getMessage().contains("got 2 at position 1 after 3"), unsorted.getMessage());
    IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
        () -> RowSums.ofRows(10, 1, new int[] {10}, new double[1]));
    assertTrue(outside.getMessage().contains("[0, 10)"), outside.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RowSums.ofRows(10, 2, new int[] {1}, new double[3]));
    assertThrows(IllegalArgumentException.class, () -> RowSums.zeros(3, 1).plus(RowSums.zeros(4, 1)));
  }
}
