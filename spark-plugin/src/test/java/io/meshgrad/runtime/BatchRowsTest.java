package io.meshgrad.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.PartitionRows;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.Instance;
import io.meshgrad.loss.InstanceBlock;
import io.meshgrad.loss.LeastSquaresLoss;
import io.meshgrad.loss.MultinomialLogisticLoss;
import io.meshgrad.model.BlockModel;
import io.meshgrad.model.FactorizationMachine;
import io.meshgrad.model.LinearModel;
import io.meshgrad.model.VariableSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.apache.spark.ml.linalg.Vectors;
import org.junit.jupiter.api.Test;

/**
 * The data side of the row-sparse pull: {@link ModelLoss#batchRows} (the features a partition's
 * batch slice touches) and {@link ModelLoss#partitionSumsOnRows} (a partition's sums from only those
 * rows of the feature-indexed weights) equal the whole-weights path bit for bit.
 */
class BatchRowsTest {
  private static final int D = 1 << 16;

  private static PartitionRows sparsePartition(int partition, int numRows, long seed) {
    Random r = new Random(seed);
    List<Instance> rows = new ArrayList<>();
    for (int i = 0; i < numRows; i++) {
      TreeSet<Integer> cols = new TreeSet<>();
      int nnz = 1 + r.nextInt(12);
      while (cols.size() < nnz) {
        // power-law-ish: a few frequent features, a long tail
        cols.add(r.nextBoolean() ? r.nextInt(64) : r.nextInt(D));
      }
      int[] idx = cols.stream().mapToInt(Integer::intValue).toArray();
      double[] vals = new double[idx.length];
      for (int k = 0; k < vals.length; k++) {
        vals[k] = r.nextGaussian();
      }
      rows.add(new Instance(r.nextInt(2), 0.5 + r.nextDouble(), Vectors.sparse(D, idx, vals)));
    }
    List<InstanceBlock> blocks = new ArrayList<>();
    InstanceBlock.blockify(rows.iterator(), D, 4096).forEachRemaining(blocks::add);
    return new PartitionRows(partition, D, blocks);
  }

  private static double[] gaussian(int n, Random r) {
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = 0.1 * r.nextGaussian();
    }
    return out;
  }

  /** Rows {@code rows} of a row-major array with rows of {@code rowLength}. */
  private static double[] pull(double[] whole, int[] rows, int rowLength) {
    double[] out = new double[rows.length * rowLength];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(whole, rows[i] * rowLength, out, i * rowLength, rowLength);
    }
    return out;
  }

  private static void assertSameSums(PartialSums expected, PartialSums actual, String what) {
    assertEquals(expected.source(), actual.source(), what);
    assertEquals(Double.doubleToRawLongBits(expected.lossSum()), Double.doubleToRawLongBits(actual.lossSum()), what);
    assertEquals(expected.weightSum(), actual.weightSum(), 0.0, what);
    assertEquals(expected.count(), actual.count(), what);
    for (int v = 0; v < expected.numVariables(); v++) {
      assertEquals(expected.gradient(v).isDense(), actual.gradient(v).isDense(), what + " form of variable " + v);
      if (!expected.gradient(v).isDense()) {
        assertArrayEquals(expected.gradient(v).rows(), actual.gradient(v).rows(), what + " rows of variable " + v);
      }
      double[] e = expected.gradient(v).toDense();
      double[] a = actual.gradient(v).toDense();
      assertEquals(e.length, a.length, what);
      for (int j = 0; j < e.length; j++) {
        assertEquals(Double.doubleToRawLongBits(e[j]), Double.doubleToRawLongBits(a[j]),
            what + ": variable " + v + " element " + j + " " + e[j] + " vs " + a[j]);
      }
    }
  }

  /**
   * A partition's sums the plainest way: every block accumulated at the whole weights into whole
   * gradient arrays, then the touched rows of each feature-indexed variable taken out when they
   * are few enough to ship as rows (what {@link ModelLoss#partitionSums} must equal bit for bit,
   * whichever arrays it accumulates into).
   */
  private static PartialSums wholeArraySums(BlockModel model, PartitionRows rows, BatchPlan plan, long step,
      double[][] whole) {
    double[][] grads = new double[whole.length][];
    for (int v = 0; v < grads.length; v++) {
      grads[v] = new double[whole[v].length];
    }
    double[] totals = new double[2];
    long[] count = new long[1];
    TreeSet<Integer> touched = new TreeSet<>();
    rows.forEachBatchBlock(plan, step, block -> {
      totals[0] += model.accumulate(block, whole, grads);
      totals[1] += block.weightSum();
      count[0] += block.numRows();
      for (int p = 0; p < block.rowPtr()[block.numRows()]; p++) {
        touched.add(block.colIndices()[p]);
      }
    });
    int[] touchedRows = touched.stream().mapToInt(Integer::intValue).toArray();
    RowSums[] out = new RowSums[grads.length];
    for (int v = 0; v < grads.length; v++) {
      VariableSpec spec = model.variables().get(v);
      int numRows = spec.shape().length == 0 ? 1 : spec.shape()[0];
      int rowLength = Math.max(1, spec.size() / numRows);
      out[v] = spec.featureIndexed() && RowSums.worthHoldingAsRows(touchedRows.length, numRows)
          ? RowSums.ofRows(numRows, rowLength, touchedRows, pull(grads[v], touchedRows, rowLength))
          : RowSums.dense(grads[v], rowLength);
    }
    return new PartialSums(rows.partition(), totals[0], totals[1], count[0], out);
  }

  /** Every feature-indexed variable of {@code model} pulled onto the batch rows, the others whole. */
  private static void checkModel(BlockModel model) {
    Random r = new Random(11);
    double[][] whole = new double[model.variables().size()][];
    for (int v = 0; v < whole.length; v++) {
      whole[v] = gaussian(model.variables().get(v).size(), r);
    }
    for (int partition = 0; partition < 2; partition++) {
      PartitionRows rows = sparsePartition(partition, 300, 5 + partition);
      long[] perPartition = {300, 300};
      for (BatchPlan plan : List.of(BatchPlan.miniBatch(perPartition, 40, 3L), BatchPlan.fullBatch(perPartition))) {
        for (long step = 0; step < 4; step++) {
          int[] batchRows = ModelLoss.batchRows(rows, plan, step);
          assertNotNull(batchRows, "sparse blocks touch a known set of features");
          assertArrayEquals(batchRows, ModelLoss.batchRows(rows, plan, step), "a pure function of partition and step");
          double[][] pulled = whole.clone();
          List<Integer> featureIndexed = new ArrayList<>();
          for (int v = 0; v < whole.length; v++) {
            VariableSpec spec = model.variables().get(v);
            if (spec.featureIndexed()) {
              pulled[v] = pull(whole[v], batchRows, spec.size() / spec.shape()[0]);
              featureIndexed.add(v);
            }
          }
          assertFalse(featureIndexed.isEmpty(), model + " has a feature-indexed variable");
          PartialSums expected = ModelLoss.partitionSums(model, rows, plan, step, whole);
          assertSameSums(wholeArraySums(model, rows, plan, step, whole), expected,
              model + " partition " + partition + " step " + step + ": partitionSums against whole-array accumulation");
          PartialSums actual = ModelLoss.partitionSumsOnRows(model, rows, plan, step, batchRows, pulled);
          String what = model + " partition " + partition + (plan.isFullBatch() ? " full batch" : " mini-batch")
              + " step " + step;
          for (int v : featureIndexed) {
            if (!expected.gradient(v).isDense()) {
              assertArrayEquals(expected.gradient(v).rows(), batchRows, what + ": the touched rows are the batch rows");
            }
          }
          assertSameSums(expected, actual, what);
        }
      }
    }
  }

  @Test
  void sumsFromThePulledRowsEqualSumsFromTheWholeWeightsBitForBit() {
    checkModel(new LinearModel(new BinaryLogisticLoss(), D, true));
    checkModel(new LinearModel(new BinaryLogisticLoss(), D, false));
    checkModel(new LinearModel(new MultinomialLogisticLoss(3), D, true));
  }

  /** The linear weights and the factor matrix both pulled (the FM checked the block against its numFeatures). */
  @Test
  void factorizationMachineSumsFromThePulledRowsEqualTheWholeOnes() {
    checkModel(new FactorizationMachine(D, 4, true, true, 0.1, new BinaryLogisticLoss()));
    checkModel(new FactorizationMachine(D, 3, false, true, 0.1, new LeastSquaresLoss()));
    checkModel(new FactorizationMachine(D, 2, true, false, 0.1, new BinaryLogisticLoss()));
  }

  @Test
  void multilayerPerceptronSumsFromThePulledRowsEqualTheWholeOnes() {
    checkModel(new io.meshgrad.model.MultilayerPerceptron(new int[] {D, 4, 3}, io.meshgrad.model.Activation.TANH));
    checkModel(new io.meshgrad.model.MultilayerPerceptron(new int[] {D, 5, 1}, io.meshgrad.model.Activation.RELU,
        io.meshgrad.model.MultilayerPerceptron.Output.SQUARED_ERROR, 16, null, java.util.Map.of()));
  }

  @Test
  void batchRowsAreTheDistinctColumnsOfTheSlice() {
    PartitionRows rows = sparsePartition(0, 50, 9);
    BatchPlan plan = BatchPlan.miniBatch(new long[] {50}, 10, 1L);
    TreeSet<Integer> expected = new TreeSet<>();
    rows.forEachBatchBlock(plan, 2, block -> {
      for (int p = 0; p < block.rowPtr()[block.numRows()]; p++) {
        expected.add(block.colIndices()[p]);
      }
    });
    assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), ModelLoss.batchRows(rows, plan, 2));
  }

  @Test
  void denseBlocksNeedWholeWeights() {
    List<Instance> rows = List.of(new Instance(1, 1.0, Vectors.dense(1, 2, 3)), new Instance(0, 1.0, Vectors.dense(0, 1, 0)));
    List<InstanceBlock> blocks = new ArrayList<>();
    InstanceBlock.blockify(rows.iterator(), 3, InstanceBlock.DEFAULT_MAX_BYTES).forEachRemaining(blocks::add);
    PartitionRows partition = new PartitionRows(0, 3, blocks);
    BatchPlan plan = BatchPlan.fullBatch(new long[] {2});
    assertNull(ModelLoss.batchRows(partition, plan, 0));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelLoss.partitionSumsOnRows(
        new LinearModel(new BinaryLogisticLoss(), 3, false), partition, plan, 0, new int[] {0, 1, 2},
        new double[][] {new double[3]}));
    assertTrue(e.getMessage().contains("dense block"), e.getMessage());
  }

  @Test
  void weightsThatAreNotTheBatchRowsAreRejectedByVariableName() {
    PartitionRows rows = sparsePartition(0, 20, 4);
    BatchPlan plan = BatchPlan.fullBatch(new long[] {20});
    int[] batchRows = ModelLoss.batchRows(rows, plan, 0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelLoss.partitionSumsOnRows(
        new LinearModel(new BinaryLogisticLoss(), D, true), rows, plan, 0, batchRows,
        new double[][] {new double[D], new double[1]}));
    assertTrue(e.getMessage().contains("coefficients") && e.getMessage().contains(String.valueOf(batchRows.length)),
        e.getMessage());
  }

  @Test
  void onRowsRenumbersColumnsAndRejectsWhatItCannotRenumber() {
    InstanceBlock block = InstanceBlock.sparse(List.of(
        new Instance(1, 2.0, Vectors.sparse(10, new int[] {2, 7}, new double[] {1.5, -1})),
        new Instance(0, 1.0, Vectors.sparse(10, new int[] {7, 9}, new double[] {3, 4}))), 10);
    InstanceBlock on = block.onRows(new int[] {1, 2, 7, 9});
    assertEquals(4, on.numFeatures());
    assertArrayEquals(new int[] {1, 2, 2, 3}, java.util.Arrays.copyOf(on.colIndices(), 4));
    assertArrayEquals(block.csrValues(), on.csrValues(), 0.0);
    assertEquals(block.weightSum(), on.weightSum(), 0.0);
    assertEquals(2.0, on.weight(0), 0.0);

    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> block.onRows(new int[] {2, 9}));
    assertTrue(missing.getMessage().contains("column 7"), missing.getMessage());
    IllegalArgumentException unordered = assertThrows(IllegalArgumentException.class,
        () -> block.onRows(new int[] {7, 2, 9}));
    assertTrue(unordered.getMessage().contains("increasing"), unordered.getMessage());
    InstanceBlock dense = InstanceBlock.dense(List.of(new Instance(1, 1.0, Vectors.dense(1, 2))), 2);
    IllegalArgumentException notSparse = assertThrows(IllegalArgumentException.class, () -> dense.onRows(new int[] {0, 1}));
    assertTrue(notSparse.getMessage().contains("sparse"), notSparse.getMessage());
  }

  /** onRows looks columns up by hash when the block stores at least as many values as rows are given, else by binary search: the same positions. */
  @Test
  void onRowsGivesTheSamePositionsThroughItsHashTableAndItsBinarySearch() {
    java.util.Random r = new java.util.Random(17);
    int d = 1 << 20;
    for (int trial = 0; trial < 20; trial++) {
      List<Instance> rows = new java.util.ArrayList<>();
      java.util.TreeSet<Integer> all = new java.util.TreeSet<>();
      for (int i = 0; i < 1 + r.nextInt(40); i++) {
        java.util.TreeSet<Integer> cols = new java.util.TreeSet<>();
        while (cols.size() < 1 + r.nextInt(12)) {
          cols.add(r.nextInt(d));
        }
        all.addAll(cols);
        rows.add(new Instance(i % 2, 1.0, Vectors.sparse(d, cols.stream().mapToInt(Integer::intValue).toArray(),
            cols.stream().mapToDouble(c -> c * 0.5).toArray())));
      }
      InstanceBlock block = InstanceBlock.sparse(rows, d);
      int[] exact = all.stream().mapToInt(Integer::intValue).toArray(); // <= stored values: hash table
      java.util.TreeSet<Integer> more = new java.util.TreeSet<>(all);
      while (more.size() <= block.rowPtr()[block.numRows()]) {
        more.add(r.nextInt(d));
      }
      int[] wide = more.stream().mapToInt(Integer::intValue).toArray(); // more rows than stored values: binary search
      for (int[] on : new int[][] {exact, wide}) {
        InstanceBlock renumbered = block.onRows(on);
        for (int p = 0; p < block.rowPtr()[block.numRows()]; p++) {
          assertEquals(block.colIndices()[p], on[renumbered.colIndices()[p]], "trial " + trial + " value " + p);
        }
      }
      int[] lacking = java.util.Arrays.copyOfRange(exact, 1, exact.length);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> block.onRows(lacking));
      assertTrue(e.getMessage().contains("column " + exact[0] + " is missing"), e.getMessage());
    }
  }
}
