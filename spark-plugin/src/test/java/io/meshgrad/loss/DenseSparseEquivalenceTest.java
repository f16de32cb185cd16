package io.meshgrad.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Dense (BLAS) and CSR blocks, and any split into blocks, give the same sums. */
class DenseSparseEquivalenceTest {
  private static final int NUM_FEATURES = 9;
  private static final double RELATIVE = 1e-12;

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (TestData.LossCase lossCase : TestData.lossCases()) {
      for (boolean fitIntercept : new boolean[] {true, false}) {
        for (boolean weighted : new boolean[] {false, true}) {
          cases.add(Arguments.of(lossCase, fitIntercept, weighted));
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} fitIntercept={1} weighted={2}")
  @MethodSource("cases")
  void denseAndSparseBlocksAgree(
      TestData.LossCase lossCase, boolean fitIntercept, boolean weighted) {
    Random rnd = new Random(7);
    BlockLoss loss = lossCase.loss().get();
    int k = loss.numOutputs();
    double[] coef = TestData.gaussian(rnd, NUM_FEATURES * k, 0.7);
    double[] intercept = fitIntercept ? TestData.gaussian(rnd, k, 0.7) : null;
    List<Instance> rows = TestData.rows(rnd, 60, NUM_FEATURES, 0.3, lossCase.label(), weighted);

    GradientSum dense =
        TestData.sums(loss, List.of(InstanceBlock.dense(rows, NUM_FEATURES)), coef, intercept);
    GradientSum sparse =
        TestData.sums(loss, List.of(InstanceBlock.sparse(rows, NUM_FEATURES)), coef, intercept);
    assertSameSums(dense, sparse);
  }

  @ParameterizedTest(name = "{0} fitIntercept={1} weighted={2}")
  @MethodSource("cases")
  void manySmallBlocksAgreeWithOneBlock(
      TestData.LossCase lossCase, boolean fitIntercept, boolean weighted) {
    Random rnd = new Random(11);
    BlockLoss loss = lossCase.loss().get();
    int k = loss.numOutputs();
    double[] coef = TestData.gaussian(rnd, NUM_FEATURES * k, 0.7);
    double[] intercept = fitIntercept ? TestData.gaussian(rnd, k, 0.7) : null;
    // Alternate dense-ish and sparse-ish stretches so both layouts occur among the blocks.
    List<Instance> rows = new ArrayList<>();
    for (int s = 0; s < 6; s++) {
      double density = s % 2 == 0 ? 0.9 : 0.05;
      rows.addAll(TestData.rows(rnd, 25, NUM_FEATURES, density, lossCase.label(), weighted));
    }

    List<InstanceBlock> blocks =
        TestData.toList(InstanceBlock.blockify(rows.iterator(), NUM_FEATURES, 1200));
    assertTrue(blocks.size() > 5, "expected many blocks, got " + blocks.size());
    assertTrue(blocks.stream().anyMatch(InstanceBlock::isSparse), "expected some CSR blocks");
    assertTrue(blocks.stream().anyMatch(b -> !b.isSparse()), "expected some dense blocks");

    GradientSum many = TestData.sums(loss, blocks, coef, intercept);
    GradientSum one =
        TestData.sums(loss, List.of(InstanceBlock.dense(rows, NUM_FEATURES)), coef, intercept);
    assertSameSums(one, many);
    assertEquals(rows.size(), many.count());
  }

  static void assertSameSums(GradientSum expected, GradientSum actual) {
    assertClose(expected.lossSum(), actual.lossSum(), Math.abs(expected.lossSum()), "lossSum");
    assertClose(
        expected.weightSum(), actual.weightSum(), Math.abs(expected.weightSum()), "weightSum");
    assertArrayClose(expected.coefGrad(), actual.coefGrad(), "coefGrad");
    if (expected.fitIntercept()) {
      assertArrayClose(expected.interceptGrad(), actual.interceptGrad(), "interceptGrad");
    }
  }

  /** Element-wise within {@code RELATIVE} of the expected array's largest magnitude. */
  static void assertArrayClose(double[] expected, double[] actual, String what) {
    assertEquals(expected.length, actual.length, what + " length");
    double scale = 0;
    for (double v : expected) {
      scale = Math.max(scale, Math.abs(v));
    }
    assertTrue(scale > 0, what + " must not be all zeros");
    for (int i = 0; i < expected.length; i++) {
      assertClose(expected[i], actual[i], scale, what + "[" + i + "]");
    }
  }

  private static void assertClose(double expected, double actual, double scale, String what) {
    assertEquals(expected, actual, RELATIVE * scale, what);
  }
}
