package io.meshgrad.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.ml.linalg.DenseVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Huge margins give finite losses and gradients with the right limits. */
class StabilityTest {

  @ParameterizedTest(name = "m={0} y={1}")
  @CsvSource({
    "1000, 0, 1000, 1",
    "1000, 1, 0, 0",
    "-1000, 0, 0, 0",
    "-1000, 1, 1000, -1",
    "710, 0, 710, 1", // exp(710) overflows a double
    "-745, 1, 745, -1"
  })
  void logisticAtHugeMargins(double margin, double y, double loss, double slope) {
    for (boolean sparse : new boolean[] {false, true}) {
      double[] grad = new double[1];
      double sum = new BinaryLogisticLoss().accumulate(oneRow(y, sparse), new double[] {margin},
          null, grad, null);
      assertEquals(loss, sum, 1e-12 * Math.max(1, loss));
      assertEquals(slope, grad[0], 1e-12);
    }
  }

  @ParameterizedTest(name = "sparse={0}")
  @ValueSource(booleans = {false, true})
  void logisticKeepsTinyLossesAccurate(boolean sparse) {
    // log(1 + exp(40)) - 40 = log1p(exp(-40)) ~ 4.2e-18, lost entirely by the naive difference.
    double[] grad = new double[1];
    double sum = new BinaryLogisticLoss().accumulate(oneRow(1, sparse), new double[] {40}, null,
        grad, null);
    assertEquals(Math.log1p(Math.exp(-40)), sum, 1e-30);
    assertTrue(sum > 0);
    assertEquals(-1 / (1 + Math.exp(40)), grad[0], 1e-30);
  }

  @ParameterizedTest(name = "y={0}")
  @CsvSource({
    // margins (1000, -1000, 0): loss = 1000 - m_y, gradient = softmax - onehot(y)
    "0, 0, 0, 0, 0",
    "1, 2000, 1, -1, 0",
    "2, 1000, 1, 0, -1"
  })
  void softmaxAtHugeMargins(int y, double loss, double g0, double g1, double g2) {
    for (boolean sparse : new boolean[] {false, true}) {
      double[] coefGrad = new double[3];
      double[] interceptGrad = new double[3];
      double sum = new MultinomialLogisticLoss(3).accumulate(oneRow(y, sparse),
          new double[] {1000, -1000, 0}, new double[3], coefGrad, interceptGrad);
      assertEquals(loss, sum, 1e-12 * Math.max(1, loss));
      double[] expected = {g0, g1, g2};
      for (int k = 0; k < 3; k++) {
        assertEquals(expected[k], coefGrad[k], 1e-12, "coefGrad " + k);
        assertEquals(expected[k], interceptGrad[k], 1e-12, "interceptGrad " + k);
      }
    }
  }

  @ParameterizedTest(name = "sparse={0}")
  @ValueSource(booleans = {false, true})
  void softmaxOfEqualHugeMarginsIsUniform(boolean sparse) {
    double[] coefGrad = new double[3];
    double sum = new MultinomialLogisticLoss(3).accumulate(oneRow(1, sparse),
        new double[] {1e4, 1e4, 1e4}, null, coefGrad, null);
    assertEquals(Math.log(3), sum, 1e-12);
    assertEquals(1.0 / 3, coefGrad[0], 1e-12);
    assertEquals(-2.0 / 3, coefGrad[1], 1e-12);
  }

  @ParameterizedTest(name = "sparse={0}")
  @ValueSource(booleans = {false, true})
  void hingeAndLeastSquaresStayFiniteAtHugeMargins(boolean sparse) {
    double[] grad = new double[1];
    assertEquals(1001, new HingeLoss().accumulate(oneRow(1, sparse), new double[] {-1000}, null,
        grad, null));
    assertEquals(-1, grad[0]);
    grad[0] = 0;
    assertEquals(5e5, new LeastSquaresLoss().accumulate(oneRow(0, sparse),
        new double[] {1000}, null, grad, null));
    assertEquals(1000, grad[0]);
  }

  /** One row with label {@code y} and the single feature 1, so the margin is the coefficient. */
  private static InstanceBlock oneRow(double y, boolean sparse) {
    return KnownValuesTest.block(
        List.of(new Instance(y, new DenseVector(new double[] {1}))), 1, sparse);
  }
}
