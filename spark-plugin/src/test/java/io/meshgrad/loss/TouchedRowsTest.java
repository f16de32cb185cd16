package io.meshgrad.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.apache.spark.ml.linalg.Vectors;
import org.junit.jupiter.api.Test;

/** The touched rows of a gradient sum, and taking them out of a reusable buffer. */
class TouchedRowsTest {
  private static final int D = 200;

  private static InstanceBlock sparseRows() {
    return InstanceBlock.sparse(List.of(
        new Instance(1, Vectors.sparse(D, new int[] {3, 64, 199}, new double[] {1, -2, 0.5})),
        new Instance(0, Vectors.sparse(D, new int[] {3, 127}, new double[] {0.25, 4}))), D);
  }

  @Test
  void sparseBlocksTouchTheirColumnsOnlyAndTakingThemLeavesTheBufferZero() {
    for (BlockLoss loss : List.of(new BinaryLogisticLoss(), new MultinomialLogisticLoss(3))) {
      int k = loss.numOutputs();
      double[] buffer = new double[D * k];
      GradientSum sums = new GradientSum(D, k, true, buffer);
      sums.add(loss, sparseRows(), new double[D * k], new double[k]);
      assertSame(buffer, sums.coefGradView());
      int[] touched = sums.touchedRows();
      assertArrayEquals(new int[] {3, 64, 127, 199}, touched);
      double[] expected = new GradientSum(D, k, true).add(loss, sparseRows(), new double[D * k], new double[k]).coefGrad();
      for (int j = 0; j < D; j++) {
        boolean isTouched = java.util.Arrays.binarySearch(touched, j) >= 0;
        for (int o = 0; o < k; o++) {
          if (!isTouched) {
            assertEquals(0.0, expected[j * k + o], "row " + j + " is not touched, so its sum is zero");
          }
        }
      }
      double[] taken = sums.takeRows(touched);
      for (int i = 0; i < touched.length; i++) {
        for (int o = 0; o < k; o++) {
          assertEquals(expected[touched[i] * k + o], taken[i * k + o]);
        }
      }
      assertArrayEquals(new double[D * k], buffer, "the buffer is all zeros again");
    }
  }

  @Test
  void aDenseBlockTouchesEveryRowAndMergeUnitesTheTouchedRows() {
    GradientSum dense = new GradientSum(D, 1, false)
        .add(new LeastSquaresLoss(), InstanceBlock.dense(List.of(new Instance(1, Vectors.zeros(D))), D), new double[D], null);
    assertNull(dense.touchedRows());
    GradientSum a = new GradientSum(D, 1, false).add(new LeastSquaresLoss(), sparseRows(), new double[D], null);
    GradientSum b = new GradientSum(D, 1, false).add(new LeastSquaresLoss(), InstanceBlock.sparse(List.of(
        new Instance(2, Vectors.sparse(D, new int[] {5}, new double[] {1}))), D), new double[D], null);
    assertArrayEquals(new int[] {3, 5, 64, 127, 199}, a.merge(b).touchedRows());
    assertNull(a.merge(dense).touchedRows());
    assertArrayEquals(new int[0], new GradientSum(D, 1, false).touchedRows());
  }
}
