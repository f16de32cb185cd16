package io.meshgrad.mesh;

import static io.meshgrad.mesh.MeshTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BalancedSplitTest {

  private static int[] lengths(BalancedSplit split) {
    int[] result = new int[split.numPieces()];
    for (int p = 0; p < result.length; p++) {
      result[p] = split.pieceLength(p);
    }
    return result;
  }

  private static int[] starts(BalancedSplit split) {
    int[] result = new int[split.numPieces()];
    for (int p = 0; p < result.length; p++) {
      result[p] = split.pieceStart(p);
    }
    return result;
  }

  @Test
  void sevenOverTwo() {
    BalancedSplit split = BalancedSplit.of(7, 2);
    assertArrayEquals(new int[] {4, 3}, lengths(split));
    assertArrayEquals(new int[] {0, 4}, starts(split));
    assertEquals(4, split.pieceEnd(0));
    assertEquals(7, split.pieceEnd(1));
    assertEquals(0, split.pieceOf(3));
    assertEquals(1, split.pieceOf(4));
    assertEquals(1, split.pieceOf(6));
  }

  @Test
  void twoOverFourLeavesEmptyPiecesAtTheEnd() {
    BalancedSplit split = BalancedSplit.of(2, 4);
    assertArrayEquals(new int[] {1, 1, 0, 0}, lengths(split));
    assertArrayEquals(new int[] {0, 1, 2, 2}, starts(split));
    assertEquals(0, split.pieceOf(0));
    assertEquals(1, split.pieceOf(1));
  }

  @Test
  void tenOverThreeAndEvenSplits() {
    assertArrayEquals(new int[] {4, 3, 3}, lengths(BalancedSplit.of(10, 3)));
    assertArrayEquals(new int[] {0, 4, 7}, starts(BalancedSplit.of(10, 3)));
    assertArrayEquals(new int[] {3, 3, 3}, lengths(BalancedSplit.of(9, 3)));
    assertArrayEquals(new int[] {0, 0, 0}, lengths(BalancedSplit.of(0, 3)));
    assertArrayEquals(new int[] {5}, lengths(BalancedSplit.of(5, 1)));
  }

  /** Checks the closed forms against the definition for many (n, k), uneven and n < k included. */
  @Test
  void closedFormsMatchTheDefinition() {
    for (int n = 0; n <= 40; n++) {
      for (int k = 1; k <= 12; k++) {
        BalancedSplit split = BalancedSplit.of(n, k);
        int expectedStart = 0;
        for (int p = 0; p < k; p++) {
          int expectedLength = n / k + (p < n % k ? 1 : 0);
          assertEquals(expectedStart, split.pieceStart(p), split + " start of " + p);
          assertEquals(expectedLength, split.pieceLength(p), split + " length of " + p);
          assertEquals(expectedStart + expectedLength, split.pieceEnd(p), split + " end of " + p);
          for (int i = expectedStart; i < expectedStart + expectedLength; i++) {
            assertEquals(p, split.pieceOf(i), split + " piece of " + i);
          }
          expectedStart += expectedLength;
        }
        assertEquals(n, expectedStart, split + " covers the axis");
      }
    }
  }

  @Test
  void worksNearIntegerLimits() {
    BalancedSplit split = BalancedSplit.of(Integer.MAX_VALUE, 3);
    assertArrayEquals(new int[] {715827883, 715827882, 715827882}, lengths(split));
    assertEquals(Integer.MAX_VALUE, split.pieceEnd(2));
    assertEquals(2, split.pieceOf(Integer.MAX_VALUE - 1));
    assertEquals(0, split.pieceOf(715827882));
    assertEquals(1, split.pieceOf(715827883));
  }

  @Test
  void rejectsBadArguments() {
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> BalancedSplit.of(-1, 2)),
        "length must be >= 0, got -1");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> BalancedSplit.of(4, 0)),
        "numPieces must be >= 1, got 0");
    BalancedSplit split = BalancedSplit.of(7, 2);
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> split.pieceStart(2)),
        "piece must be in [0, 2), got 2");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> split.pieceLength(-1)),
        "piece must be in [0, 2), got -1");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> split.pieceOf(7)),
        "index must be in [0, 7), got 7");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> BalancedSplit.of(0, 2).pieceOf(0)),
        "[0, 0) (which is empty), got 0");
  }

  @Test
  void valueSemantics() throws Exception {
    assertEquals(BalancedSplit.of(7, 2), BalancedSplit.of(7, 2));
    assertEquals(BalancedSplit.of(7, 2).hashCode(), BalancedSplit.of(7, 2).hashCode());
    assertTrue(!BalancedSplit.of(7, 2).equals(BalancedSplit.of(7, 3)));
    assertEquals("BalancedSplit[7 over 2]", BalancedSplit.of(7, 2).toString());
    assertEquals(BalancedSplit.of(7, 2), SerializationSupport.roundTrip(BalancedSplit.of(7, 2)));
  }
}
