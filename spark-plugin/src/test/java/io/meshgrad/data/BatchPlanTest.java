package io.meshgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.math.BigInteger;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BatchPlanTest {

  private static final long[] UNEVEN = {10, 7, 0, 13, 1};

  @Test
  void everyRowExactlyOncePerEpochInEveryPartition() {
    BatchPlan plan = BatchPlan.miniBatch(UNEVEN, 4, 11);
    assertEquals(8, plan.stepsPerEpoch()); // ceil(31 / 4)
    for (long epoch = 0; epoch < 3; epoch++) {
      for (int p = 0; p < UNEVEN.length; p++) {
        int[] seen = new int[(int) UNEVEN[p]];
        for (long k = 0; k < plan.stepsPerEpoch(); k++) {
          long step = epoch * plan.stepsPerEpoch() + k;
          assertEquals(epoch, plan.epochOf(step));
          for (int position : plan.rowsFor(step, p)) {
            seen[position]++;
          }
        }
        int[] once = new int[seen.length];
        Arrays.fill(once, 1);
        assertArrayEquals(once, seen, "epoch " + epoch + ", partition " + p);
      }
    }
  }

  @Test
  void stepSizesAddUpToAboutTheBatchSize() {
    BatchPlan plan = BatchPlan.miniBatch(UNEVEN, 4, 11);
    double perStep = (double) plan.totalRows() / plan.stepsPerEpoch();
    long inEpoch = 0;
    for (long step = 0; step < plan.stepsPerEpoch(); step++) {
      long rows = 0;
      for (int p = 0; p < UNEVEN.length; p++) {
        rows += plan.rowsFor(step, p).length;
      }
      assertEquals(rows, plan.rowsInStep(step));
      assertTrue(rows <= 4 + UNEVEN.length, "step " + step + " has " + rows + " rows");
      assertTrue(Math.abs(rows - perStep) < UNEVEN.length, "step " + step + ": " + rows);
      inEpoch += rows;
    }
    assertEquals(31, inEpoch);
  }

  @Test
  void evenPartitionsGiveExactBatches() {
    BatchPlan plan = BatchPlan.miniBatch(new long[] {40, 40, 40}, 12, 3);
    assertEquals(10, plan.stepsPerEpoch());
    for (long step = 0; step < 25; step++) {
      assertEquals(12, plan.rowsInStep(step));
      for (int p = 0; p < 3; p++) {
        assertEquals(4, plan.rowsFor(step, p).length);
      }
    }
  }

  @Test
  void epochsShuffleDifferentlyAndSeedsRepeat() {
    long[] rows = {50, 60};
    BatchPlan plan = BatchPlan.miniBatch(rows, 10, 7);
    BatchPlan same = BatchPlan.miniBatch(rows, 10, 7);
    BatchPlan other = BatchPlan.miniBatch(rows, 10, 8);
    for (int p = 0; p < 2; p++) {
      int[] epoch0 = plan.permutation(0, p);
      assertFalse(Arrays.equals(epoch0, plan.permutation(1, p)), "partition " + p);
      assertFalse(Arrays.equals(epoch0, other.permutation(0, p)), "partition " + p);
      assertFalse(isIdentity(epoch0), "partition " + p);
    }
    assertFalse(Arrays.equals(plan.permutation(0, 0), plan.permutation(0, 1)));
    for (long step = 0; step < 30; step++) {
      for (int p = 0; p < 2; p++) {
        assertArrayEquals(same.rowsFor(step, p), plan.rowsFor(step, p));
      }
    }
  }

  @Test
  void permutationsArePinned() {
    // Guards the documented algorithm (SplitMix64 + Fisher–Yates): a change here reshuffles every
    // saved experiment.
    BatchPlan plan = BatchPlan.miniBatch(new long[] {10, 6}, 3, 42);
    assertEquals(PINNED_P0_E0, Arrays.toString(plan.permutation(0, 0)));
    assertEquals(PINNED_P1_E3, Arrays.toString(plan.permutation(3, 1)));
  }

  // Computed independently from the documented algorithm (a Python transcription).
  private static final String PINNED_P0_E0 = "[7, 4, 2, 9, 6, 1, 3, 8, 0, 5]";
  private static final String PINNED_P1_E3 = "[1, 5, 3, 0, 4, 2]";

  @Test
  void splitMix64MatchesTheReferenceSequence() {
    // First outputs of the reference splitmix64.c from state 0.
    SplitMix64 random = new SplitMix64(0);
    assertEquals(0xE220A8397B1DCDAFL, random.nextLong());
    assertEquals(0x6E789E6AA1B965F4L, random.nextLong());
    assertEquals(0x06C45D188009454FL, random.nextLong());
  }

  @Test
  void batchLargerThanTheDataIsOneStepPerEpoch() {
    BatchPlan plan = BatchPlan.miniBatch(new long[] {5, 3}, 100, 1);
    assertEquals(1, plan.stepsPerEpoch());
    assertFalse(plan.isFullBatch());
    assertEquals(4, plan.epochOf(4));
    for (long step = 0; step < 3; step++) {
      assertEquals(5, plan.rowsFor(step, 0).length);
      assertEquals(3, plan.rowsFor(step, 1).length);
      assertEquals(8, plan.rowsInStep(step));
    }
    int[] sorted = plan.rowsFor(0, 0).clone();
    Arrays.sort(sorted);
    assertArrayEquals(new int[] {0, 1, 2, 3, 4}, sorted);
  }

  @Test
  void fullBatchTakesEveryRowInOrder() {
    BatchPlan plan = BatchPlan.fullBatch(new long[] {3, 0, 2});
    assertTrue(plan.isFullBatch());
    assertEquals(1, plan.stepsPerEpoch());
    assertEquals(7, plan.epochOf(7));
    assertEquals(5, plan.batchSize());
    assertArrayEquals(new int[] {0, 1, 2}, plan.rowsFor(9, 0));
    assertArrayEquals(new int[0], plan.rowsFor(9, 1));
    assertArrayEquals(new int[] {0, 1}, plan.rowsFor(9, 2));
    assertEquals(5, plan.rowsInStep(3));
  }

  @Test
  void permutationIsComputedOncePerEpoch() {
    BatchPlan plan = BatchPlan.miniBatch(new long[] {1000}, 10, 5);
    int[] first = plan.permutation(2, 0);
    assertSame(first, plan.permutation(2, 0));
    plan.rowsFor(2 * plan.stepsPerEpoch() + 17, 0);
    assertSame(first, plan.permutation(2, 0));
  }

  @Test
  void serializedCopiesAgree() throws IOException, ClassNotFoundException {
    BatchPlan plan = BatchPlan.miniBatch(UNEVEN, 6, -3);
    plan.rowsFor(0, 0);
    BatchPlan copy = roundTrip(plan);
    assertEquals(plan, copy);
    assertEquals(plan.hashCode(), copy.hashCode());
    for (long step = 0; step < 20; step++) {
      for (int p = 0; p < UNEVEN.length; p++) {
        assertArrayEquals(plan.rowsFor(step, p), copy.rowsFor(step, p));
      }
    }
    assertNotEquals(plan, BatchPlan.miniBatch(UNEVEN, 6, -2));
    assertNotEquals(plan, BatchPlan.fullBatch(UNEVEN));
  }

  @Test
  void rejectsBadArguments() {
    assertMessage("batchSize must be >= 1, got 0",
        () -> BatchPlan.miniBatch(new long[] {3}, 0, 1));
    assertMessage("rowsPerPartition[1] must be in [0, 2147483639], got -1",
        () -> BatchPlan.fullBatch(new long[] {3, -1}));
    assertMessage("rowsPerPartition must list at least 1 partition, got []",
        () -> BatchPlan.fullBatch(new long[0]));
    assertMessage("rowsPerPartition must hold at least 1 row in all, got 0 rows in 2 partitions",
        () -> BatchPlan.fullBatch(new long[] {0, 0}));
    BatchPlan plan = BatchPlan.miniBatch(new long[] {3, 4}, 2, 1);
    assertMessage("step must be >= 0, got -1", () -> plan.rowsFor(-1, 0));
    assertMessage("partition must be in [0, 2), got 2", () -> plan.rowsFor(0, 2));
  }

  @Test
  void scaledFloorDoesNotOverflow() {
    long[][] cases = {
      {7, 10, 3}, {0, 5, 1}, {Long.MAX_VALUE / 3, 1L << 31, Long.MAX_VALUE / 2},
      {9_999_999_999L, 2_147_483_000L, 10_000_000_000L}
    };
    for (long[] c : cases) {
      long expected =
          BigInteger.valueOf(c[0]).multiply(BigInteger.valueOf(c[1]))
              .divide(BigInteger.valueOf(c[2])).longValueExact();
      assertEquals(expected, BatchPlan.scaledFloor(c[0], c[1], c[2]), Arrays.toString(c));
    }
  }

  private static boolean isIdentity(int[] order) {
    for (int i = 0; i < order.length; i++) {
      if (order[i] != i) {
        return false;
      }
    }
    return true;
  }

  private static void assertMessage(String expected, Runnable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
    assertEquals(expected, e.getMessage());
  }

  private static BatchPlan roundTrip(BatchPlan plan) throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(plan);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (BatchPlan) in.readObject();
    }
  }
}
