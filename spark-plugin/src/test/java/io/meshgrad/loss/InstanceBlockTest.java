package io.meshgrad.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.function.DoubleConsumer;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.junit.jupiter.api.Test;

class InstanceBlockTest {

  @Test
  void blockifyKeepsAllRowsInOrder() {
    Random rnd = new Random(1);
    List<Instance> rows = new ArrayList<>();
    for (int s = 0; s < 10; s++) {
      rows.addAll(TestData.rows(rnd, 50, 20, s % 2 == 0 ? 0.8 : 0.05, r -> r.nextInt(5), s > 4));
    }
    List<InstanceBlock> blocks =
        TestData.toList(InstanceBlock.blockify(rows.iterator(), 20, 4096));

    assertTrue(blocks.size() > 3, "expected several blocks, got " + blocks.size());
    int position = 0;
    for (InstanceBlock block : blocks) {
      assertEquals(20, block.numFeatures());
      for (int i = 0; i < block.numRows(); i++, position++) {
        Instance expected = rows.get(position);
        Instance actual = block.row(i);
        assertEquals(expected.label(), actual.label(), "label of row " + position);
        assertEquals(expected.weight(), actual.weight(), "weight of row " + position);
        assertEquals(expected.weight(), block.weight(i), "weight of row " + position);
        assertArrayEquals(
            expected.features().toArray(), actual.features().toArray(), "row " + position);
      }
    }
    assertEquals(rows.size(), position);
  }

  @Test
  void blocksStayWithinMaxBytesAndAreFull() {
    Random rnd = new Random(2);
    int d = 30;
    long maxBytes = 3000;
    List<Instance> rows = new ArrayList<>();
    for (int s = 0; s < 8; s++) {
      rows.addAll(TestData.rows(rnd, 40, d, s % 2 == 0 ? 0.7 : 0.1, r -> 0.0, s % 3 == 0));
    }
    List<InstanceBlock> blocks =
        TestData.toList(InstanceBlock.blockify(rows.iterator(), d, maxBytes));

    int position = 0;
    for (int b = 0; b < blocks.size(); b++) {
      InstanceBlock block = blocks.get(b);
      assertTrue(
          block.estimatedSizeInBytes() <= maxBytes,
          "block " + b + " has " + block.estimatedSizeInBytes() + " bytes > " + maxBytes);
      long nnz = 0;
      boolean unit = true;
      for (int i = 0; i < block.numRows(); i++) {
        Instance row = rows.get(position + i);
        nnz += row.features().numNonzeros();
        unit &= row.weight() == 1.0;
      }
      assertEquals(
          InstanceBlock.estimateSizeInBytes(d, block.numRows(), nnz, unit),
          block.estimatedSizeInBytes(),
          "block " + b + " must use its smaller layout");
      position += block.numRows();
      if (b < blocks.size() - 1) {
        Instance next = rows.get(position);
        long withNext =
            InstanceBlock.estimateSizeInBytes(
                d,
                block.numRows() + 1,
                nnz + next.features().numNonzeros(),
                unit && next.weight() == 1.0);
        assertTrue(withNext > maxBytes, "block " + b + " could have taken the next row");
      }
    }
    assertEquals(rows.size(), position);
  }

  @Test
  void defaultBlockSizeOfDenseRowsMatchesTheEstimate() {
    // 100 dense features, unit weights: 808 bytes a row plus 36 of headers, so 1297 rows per MiB.
    Random rnd = new Random(3);
    List<Instance> rows = TestData.rows(rnd, 3000, 100, 1.0, r -> 1.0, false);
    List<InstanceBlock> blocks =
        TestData.toList(
            InstanceBlock.blockify(rows.iterator(), 100, InstanceBlock.DEFAULT_MAX_BYTES));

    assertEquals(List.of(1297, 1297, 406), blocks.stream().map(InstanceBlock::numRows).toList());
    assertTrue(blocks.stream().noneMatch(InstanceBlock::isSparse));
    assertTrue(blocks.stream().allMatch(InstanceBlock::hasUnitWeights));
  }

  @Test
  void choosesCsrOnlyWhenItIsSmaller() {
    // One row of 10 features: dense 92 bytes, CSR 12 nnz + 44 bytes.
    assertTrue(oneRowBlock(3).isSparse(), "3 non-zeros: CSR 80 < dense 92 bytes");
    assertFalse(oneRowBlock(4).isSparse(), "4 non-zeros: CSR 92 is not < dense 92 bytes");

    Random rnd = new Random(4);
    List<Instance> veryDense = TestData.rows(rnd, 20, 50, 1.0, r -> 0.0, false);
    List<Instance> verySparse = TestData.rows(rnd, 20, 1000, 0.003, r -> 0.0, false);
    assertFalse(InstanceBlock.fromInstances(veryDense, 50).isSparse());
    assertTrue(InstanceBlock.fromInstances(verySparse, 1000).isSparse());
  }

  private static InstanceBlock oneRowBlock(int nnz) {
    double[] x = new double[10];
    for (int j = 0; j < nnz; j++) {
      x[2 * j] = j + 1.0;
    }
    Iterator<InstanceBlock> blocks =
        InstanceBlock.blockify(
            List.of(new Instance(0, new DenseVector(x))).iterator(), 10, 1 << 20);
    return blocks.next();
  }

  @Test
  void aHugeRowFormsItsOwnBlock() {
    int d = 200;
    Vector small = new SparseVector(d, new int[] {7}, new double[] {1.5});
    double[] big = new double[d];
    Arrays.fill(big, 2.0);
    List<Instance> rows = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      rows.add(new Instance(0, small));
    }
    rows.add(new Instance(1, new DenseVector(big)));
    for (int i = 0; i < 5; i++) {
      rows.add(new Instance(0, small));
    }

    List<InstanceBlock> blocks =
        TestData.toList(InstanceBlock.blockify(rows.iterator(), d, 1000));

    assertEquals(List.of(5, 1, 5), blocks.stream().map(InstanceBlock::numRows).toList());
    assertTrue(blocks.get(1).estimatedSizeInBytes() > 1000);
    assertEquals(1.0, blocks.get(1).label(0));
    assertArrayEquals(big, blocks.get(1).row(0).features().toArray());
  }

  @Test
  void csrDropsExplicitZerosAndKeepsWeights() {
    List<Instance> rows =
        List.of(
            new Instance(1, 2.0, new SparseVector(4, new int[] {0, 2}, new double[] {0.0, 3.0})),
            new Instance(0, 0.5, new DenseVector(new double[] {0, 0, 0, -1})));
    InstanceBlock block = InstanceBlock.sparse(rows, 4);

    assertEquals(2, block.numStoredValues());
    assertEquals(2.5, block.weightSum());
    assertFalse(block.hasUnitWeights());
    assertArrayEquals(new double[] {0, 0, 3, 0}, block.row(0).features().toArray());
    assertArrayEquals(new double[] {0, 0, 0, -1}, block.row(1).features().toArray());
    assertEquals(0.5, block.weight(1));
  }

  @Test
  void unitWeightsStoreNoWeights() {
    InstanceBlock block =
        InstanceBlock.dense(
            List.of(
                new Instance(1, new DenseVector(new double[] {1, 2})),
                new Instance(0, new DenseVector(new double[] {3, 4}))),
            2);
    assertTrue(block.hasUnitWeights());
    assertEquals(2.0, block.weightSum());
    assertEquals(1.0, block.weight(1));
    assertEquals(4, block.numStoredValues());
  }

  @Test
  void survivesJavaSerialization() throws Exception {
    Random rnd = new Random(5);
    List<Instance> rows = TestData.rows(rnd, 10, 6, 0.5, r -> r.nextInt(2), true);
    for (InstanceBlock block :
        List.of(InstanceBlock.dense(rows, 6), InstanceBlock.sparse(rows, 6))) {
      InstanceBlock copy = TestData.roundTrip(block);
      assertEquals(block.isSparse(), copy.isSparse());
      assertEquals(block.weightSum(), copy.weightSum());
      for (int i = 0; i < rows.size(); i++) {
        assertEquals(block.row(i), copy.row(i));
      }
    }
  }

  // ---- validation ----

  @Test
  void rejectsWrongFeaturesSize() {
    IllegalArgumentException e = blockifyError(5, 3, new Instance(0, dense(4)), x -> {});
    assertMessage(e, "row 3", "size 5", "got size 4");
  }

  @Test
  void rejectsNonFiniteFeature() {
    double[] x = {1, Double.NaN, 0, 0, 0};
    IllegalArgumentException e =
        blockifyError(5, 2, new Instance(0, new DenseVector(x)), l -> {});
    assertMessage(e, "row 2", "finite", "NaN", "feature index 1");

    Vector inf = new SparseVector(5, new int[] {4}, new double[] {Double.POSITIVE_INFINITY});
    e = blockifyError(5, 6, new Instance(0, inf), l -> {});
    assertMessage(e, "row 6", "Infinity", "feature index 4");
  }

  @Test
  void rejectsNegativeOrNonFiniteWeight() {
    assertMessage(
        blockifyError(5, 1, new Instance(0, -0.5, dense(5)), l -> {}),
        "row 1", "weight", ">= 0", "-0.5");
    assertMessage(
        blockifyError(5, 4, new Instance(0, Double.NaN, dense(5)), l -> {}),
        "row 4", "weight", "NaN");
  }

  @Test
  void rejectsNonFiniteLabelAndNullFeatures() {
    assertMessage(
        blockifyError(5, 0, new Instance(Double.NEGATIVE_INFINITY, dense(5)), l -> {}),
        "row 0", "label", "-Infinity");
    assertMessage(
        blockifyError(5, 2, new Instance(0, 1, null), l -> {}), "row 2", "features", "null");
  }

  @Test
  void rejectsBadLabelsThroughTheLoss() {
    BlockLoss binary = new BinaryLogisticLoss();
    assertMessage(
        blockifyError(5, 4, new Instance(2, dense(5)), binary::validateLabel),
        "row 4", "0 or 1", "2.0");
    BlockLoss multinomial = new MultinomialLogisticLoss(3);
    assertMessage(
        blockifyError(5, 7, new Instance(3, dense(5)), multinomial::validateLabel),
        "row 7", "[0, 2]", "got 3.0");
    assertMessage(
        blockifyError(5, 1, new Instance(1.5, dense(5)), multinomial::validateLabel),
        "row 1", "integer", "1.5");
    assertMessage(
        blockifyError(5, 3, new Instance(-1, dense(5)), new HingeLoss()::validateLabel),
        "row 3", "0 or 1", "-1.0");
  }

  @Test
  void rejectsBadArguments() {
    assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> InstanceBlock.blockify(List.<Instance>of().iterator(), 3, 0)),
        "maxBytes", "> 0", "got 0");
    assertMessage(
        assertThrows(
            IllegalArgumentException.class, () -> InstanceBlock.fromInstances(List.of(), 3)),
        "at least 1 row", "got 0");
    Iterator<InstanceBlock> empty = InstanceBlock.blockify(List.<Instance>of().iterator(), 3, 10);
    assertFalse(empty.hasNext());
    assertThrows(NoSuchElementException.class, empty::next);
  }

  /** Blockifies {@code position} good rows followed by {@code bad}, in blocks of about 1 row. */
  private static IllegalArgumentException blockifyError(
      int d, int position, Instance bad, DoubleConsumer labelValidator) {
    List<Instance> rows = new ArrayList<>();
    for (int i = 0; i < position; i++) {
      rows.add(new Instance(1, dense(d)));
    }
    rows.add(bad);
    rows.add(new Instance(0, dense(d)));
    Iterator<InstanceBlock> blocks =
        InstanceBlock.blockify(rows.iterator(), d, 100, labelValidator);
    return assertThrows(IllegalArgumentException.class, () -> TestData.toList(blocks));
  }

  private static Vector dense(int d) {
    double[] x = new double[d];
    Arrays.fill(x, 0.5);
    return new DenseVector(x);
  }

  static void assertMessage(Throwable e, String... parts) {
    for (String part : parts) {
      assertTrue(
          e.getMessage().contains(part),
          "message '" + e.getMessage() + "' should contain '" + part + "'");
    }
  }
}
