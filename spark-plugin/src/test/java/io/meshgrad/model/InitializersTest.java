package io.meshgrad.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every initializer gives any range of rows the values its whole value has there, so shards
 * generated where they live start from what a driver-held variable starts from.
 */
class InitializersTest {
  private static final List<Initializer> ALL = List.of(Initializers.zeros(), Initializers.glorotUniform(),
      Initializers.normal(0.1), Initializers.given(sequence(37 * 3)));

  private static double[] sequence(int n) {
    double[] v = new double[n];
    Arrays.setAll(v, i -> i * 0.5 - 3);
    return v;
  }

  @Test
  void anyRangeOfRowsHoldsTheWholeValuesThere() {
    int[] shape = {37, 3};
    for (Initializer init : ALL) {
      double[] whole = init.values(shape, 11L);
      assertEquals(37 * 3, whole.length, init.toString());
      for (int[] range : new int[][] {{0, 37}, {0, 1}, {5, 6}, {10, 23}, {36, 37}, {20, 20}}) {
        double[] rows = init.rows(shape, 11L, range[0], range[1]);
        assertArrayEquals(Arrays.copyOfRange(whole, range[0] * 3, range[1] * 3), rows, 0.0,
            init + " rows " + Arrays.toString(range));
      }
    }
    // rank 1 and rank 3: a row is one element, or the product of the other axes
    for (int[] shape2 : new int[][] {{50}, {6, 2, 5}}) {
      for (Initializer init : List.of(Initializers.glorotUniform(), Initializers.normal(1.0))) {
        double[] whole = init.values(shape2, 3L);
        int len = whole.length / shape2[0];
        assertArrayEquals(Arrays.copyOfRange(whole, 2 * len, 5 * len), init.rows(shape2, 3L, 2, 5), 0.0,
            init + " " + Arrays.toString(shape2));
      }
    }
  }

  @Test
  void glorotUniformKeepsItsOneStreamOfDraws() {
    // element i is draw i of SplittableRandom(seed), as before rows could be generated on their own
    int[] shape = {40, 7};
    double limit = Math.sqrt(6.0 / (40 + 7));
    SplittableRandom random = new SplittableRandom(99L);
    double[] expected = new double[40 * 7];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = (2 * random.nextDouble() - 1) * limit;
    }
    assertArrayEquals(expected, Initializers.glorotUniform().values(shape, 99L), 0.0);
  }

  @Test
  void normalRowsAreIndependentDrawsOfTheStandardDeviation() {
    double[] v = Initializers.normal(0.5).values(new int[] {4000, 16}, 5L);
    double sum = 0;
    double squares = 0;
    for (double x : v) {
      sum += x;
      squares += x * x;
    }
    double mean = sum / v.length;
    double std = Math.sqrt(squares / v.length - mean * mean);
    assertTrue(Math.abs(mean) < 0.01 && Math.abs(std - 0.5) < 0.01, "mean " + mean + ", std " + std);
    // neighbouring rows are not copies or shifts of one another
    assertTrue(!Arrays.equals(Arrays.copyOfRange(v, 0, 15), Arrays.copyOfRange(v, 17, 32)));
    assertTrue(!Arrays.equals(Arrays.copyOfRange(v, 0, 16), Arrays.copyOfRange(v, 16, 32)));
    // another seed, other values
    assertTrue(!Arrays.equals(v, Initializers.normal(0.5).values(new int[] {4000, 16}, 6L)));
  }

  @Test
  void aRangeOutsideTheRowsIsRejectedWithTheRowsAllowed() {
    for (Initializer init : ALL) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> init.rows(new int[] {37, 3}, 1L, 30, 38));
      assertTrue(e.getMessage().contains("toRow <= 37") && e.getMessage().contains("toRow 38"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> init.rows(new int[] {37, 3}, 1L, 5, 4));
      assertTrue(e.getMessage().contains("fromRow 5"), e.getMessage());
    }
  }

  @Test
  void onlyZerosSayTheyAreAllZeros() {
    assertTrue(Initializers.zeros().allZeros());
    assertTrue(!Initializers.normal(0.1).allZeros() && !Initializers.glorotUniform().allZeros()
        && !Initializers.given(new double[] {0}).allZeros());
  }
}
