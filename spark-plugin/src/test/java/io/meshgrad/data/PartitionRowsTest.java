package io.meshgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.Rows;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.loss.GradientSum;
import io.meshgrad.loss.Instance;
import io.meshgrad.loss.InstanceBlock;
import io.meshgrad.loss.LeastSquaresLoss;
import io.meshgrad.loss.MultinomialLogisticLoss;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PartitionRowsTest {

  private static final int D = 6;

  private static PartitionRows pack(int partition, List<Instance> rows, long maxBytes) {
    List<InstanceBlock> blocks = new ArrayList<>();
    InstanceBlock.blockify(rows.iterator(), D, maxBytes).forEachRemaining(blocks::add);
    return new PartitionRows(partition, D, blocks);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void selectGathersRowsAcrossBlocksInTheGivenOrder(boolean sparse) {
    List<Instance> rows = Rows.random(1, 40, D, sparse, true);
    PartitionRows partition = pack(3, rows, sparse ? 200 : 300);
    assertTrue(partition.numBlocks() > 3, "expected several blocks, got " + partition.numBlocks());
    assertEquals(40, partition.numRows());

    int[] positions = {39, 0, 17, 17, 5, 22};
    InstanceBlock selected = partition.select(positions);
    assertEquals(positions.length, selected.numRows());
    assertEquals(sparse, selected.isSparse());
    for (int i = 0; i < positions.length; i++) {
      Rows.assertSameRow(rows.get(positions[i]), selected.row(i), "selected row " + i);
    }
    for (int i = 0; i < 40; i++) {
      Rows.assertSameRow(rows.get(i), partition.row(i), "row " + i);
    }
  }

  /** A sparse partition's gathered rows are the block InstanceBlock.sparse builds of them, array for array. */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void gatheredSparseRowsAreTheBlockOfThoseRows(boolean weighted) {
    List<Instance> rows = Rows.random(7, 40, D, true, weighted);
    List<InstanceBlock> blocks = new ArrayList<>();
    for (int from = 0; from < rows.size(); from += 9) {
      blocks.add(InstanceBlock.sparse(rows.subList(from, Math.min(rows.size(), from + 9)), D));
    }
    PartitionRows partition = new PartitionRows(1, D, blocks);
    assertTrue(partition.numBlocks() > 3, "expected several blocks, got " + partition.numBlocks());
    int[] positions = {39, 0, 17, 17, 5, 22, 1};
    InstanceBlock gathered = partition.select(positions);
    List<Instance> picked = new ArrayList<>();
    for (int p : positions) {
      picked.add(partition.row(p));
    }
    InstanceBlock built = InstanceBlock.sparse(picked, D);
    assertTrue(gathered.isSparse());
    assertEquals(built.hasUnitWeights(), gathered.hasUnitWeights());
    assertEquals(Double.doubleToRawLongBits(built.weightSum()), Double.doubleToRawLongBits(gathered.weightSum()));
    assertArrayEquals(built.rowPtr(), gathered.rowPtr());
    assertArrayEquals(built.colIndices(), gathered.colIndices());
    assertArrayEquals(built.csrValues(), gathered.csrValues());
    assertArrayEquals(built.labels(), gathered.labels());
    for (int i = 0; i < positions.length; i++) {
      assertEquals(built.weight(i), gathered.weight(i));
    }
  }

  @Test
  void selectRejectsBadPositions() {
    PartitionRows partition = pack(0, Rows.random(2, 5, D, false, false), 1 << 20);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> partition.select(new int[] {1, 5}));
    assertEquals("positions[1] must be in [0, 5) (the rows of partition 0), got 5", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> partition.select(new int[0]));
    assertEquals("positions must name at least 1 row, got []", e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void anEpochOfMiniBatchesSumsToTheFullBatch(boolean fitIntercept) {
    List<Instance> rows = Rows.random(3, 57, D, false, true);
    PartitionRows partition = pack(1, rows, 400);
    long[] rowsPerPartition = {20, 57, 3};
    BatchPlan full = BatchPlan.fullBatch(rowsPerPartition);
    BatchPlan mini = BatchPlan.miniBatch(rowsPerPartition, 9, 5);
    Random rnd = new Random(4);
    List<BlockLoss> losses = List.of(new LeastSquaresLoss(), new MultinomialLogisticLoss(3));
    for (BlockLoss loss : losses) {
      int k = loss.numOutputs();
      double[] coef = rnd.doubles(D * k, -1, 1).toArray();
      double[] intercept = fitIntercept ? rnd.doubles(k, -1, 1).toArray() : null;
      GradientSum expected = PartitionSums.gradientSum(partition, loss, full, 0, coef, intercept, fitIntercept);
      assertEquals(57, expected.count());
      for (long epoch = 0; epoch < 2; epoch++) {
        GradientSum total = new GradientSum(D, k, fitIntercept);
        for (long s = 0; s < mini.stepsPerEpoch(); s++) {
          long step = epoch * mini.stepsPerEpoch() + s;
          GradientSum part = PartitionSums.gradientSum(partition, loss, mini, step, coef, intercept, fitIntercept);
          assertEquals(mini.rowsFor(step, 1).length, part.count());
          total.merge(part);
        }
        Rows.assertClose(expected, total, 1e-9);
      }
    }
  }

  @Test
  void anEmptySliceGivesZeroSums() {
    PartitionRows partition = pack(2, Rows.random(5, 1, D, true, false), 1 << 20);
    BatchPlan plan = BatchPlan.miniBatch(new long[] {10, 10, 1}, 3, 0);
    long withRow = -1;
    for (long step = 0; step < plan.stepsPerEpoch(); step++) {
      GradientSum sums =
          PartitionSums.gradientSum(partition, new LeastSquaresLoss(), plan, step, new double[D], null, false);
      if (sums.count() == 1) {
        withRow = step;
      } else {
        assertEquals(0, sums.count());
        assertEquals(0.0, sums.lossSum());
      }
    }
    assertFalse(withRow < 0, "the single row must be used once per epoch");
  }

  @Test
  void rejectsAPlanForOtherRowsAndMisshapenParameters() {
    PartitionRows partition = pack(1, Rows.random(6, 4, D, false, false), 1 << 20);
    LeastSquaresLoss loss = new LeastSquaresLoss();
    BatchPlan other = BatchPlan.fullBatch(new long[] {4, 5});
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PartitionSums.gradientSum(partition, loss, other, 0, new double[D], null, false));
    assertTrue(e.getMessage().contains("partition 1 has 4 rows"), e.getMessage());
    assertTrue(e.getMessage().contains("expects 5"), e.getMessage());

    BatchPlan plan = BatchPlan.fullBatch(new long[] {4, 4});
    e = assertThrows(IllegalArgumentException.class,
        () -> PartitionSums.gradientSum(partition, loss, plan, 0, new double[D + 1], null, false));
    assertEquals(
        "coefficients must have length 6 (numFeatures 6 x numOutputs 1), got length 7",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> PartitionSums.gradientSum(partition, loss, plan, 0, new double[D], null, true));
    assertEquals(
        "intercept must have length 1 (numOutputs) when fitIntercept, got null", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> PartitionSums.gradientSum(partition, loss, plan, 0, new double[D], new double[1], false));
    assertEquals(
        "intercept must be null when fitIntercept is false, got an array of length 1",
        e.getMessage());
  }
}
