package io.meshgrad.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Losses and gradients at points where they are known by hand. */
class KnownValuesTest {

  @ParameterizedTest(name = "sparse={0}")
  @ValueSource(booleans = {false, true})
  void logisticLossAtZeroIsLog2PerUnitWeight(boolean sparse) {
    Random rnd = new Random(9);
    List<Instance> rows = TestData.rows(rnd, 30, 4, 0.5, r -> r.nextInt(2), true);
    InstanceBlock block = block(rows, 4, sparse);
    GradientSum sums =
        TestData.sums(new BinaryLogisticLoss(), List.of(block), new double[4], new double[1]);

    assertEquals(Math.log(2) * block.weightSum(), sums.lossSum(), 1e-12);
    assertEquals(Math.log(2), L2Regularization.objective(sums, new double[4], 5.0).value(), 1e-15);
    // At w = 0 every sigmoid is 1/2: the intercept gradient is sum_i a_i (1/2 - y_i).
    double expected = 0;
    for (Instance row : rows) {
      expected += row.weight() * (0.5 - row.label());
    }
    assertEquals(expected, sums.interceptGrad()[0], 1e-12);
  }

  @ParameterizedTest(name = "sparse={0}")
  @ValueSource(booleans = {false, true})
  void softmaxLossAtZeroIsLogK(boolean sparse) {
    Random rnd = new Random(10);
    List<Instance> rows = TestData.rows(rnd, 30, 4, 0.5, r -> r.nextInt(5), true);
    GradientSum sums =
        TestData.sums(
            new MultinomialLogisticLoss(5),
            List.of(block(rows, 4, sparse)),
            new double[20],
            null);
    assertEquals(Math.log(5), L2Regularization.objective(sums, new double[20], 1.0).value(), 1e-14);
  }

  @ParameterizedTest(name = "sparse={0}")
  @ValueSource(booleans = {false, true})
  void leastSquaresHandExample(boolean sparse) {
    // m = (3.5, 1.5), residuals (0.5, 2.5), weights (1, 2), weight sum 3.
    List<Instance> rows =
        List.of(
            new Instance(3, 1, new DenseVector(new double[] {1, 2})),
            new Instance(-1, 2, new DenseVector(new double[] {0, 1})));
    double[] w = {1, 1};
    double[] b = {0.5};
    GradientSum sums = TestData.sums(new LeastSquaresLoss(), List.of(block(rows, 2, sparse)), w, b);
    LossAndGradient objective = L2Regularization.objective(sums, w, 0.1);

    assertEquals((0.25 + 2 * 6.25) / 2, sums.lossSum(), 1e-14);
    assertEquals(12.75 / 6 + 0.05 * 2, objective.value(), 1e-14);
    assertArrayEquals(new double[] {0.5 / 3 + 0.1, 6.0 / 3 + 0.1}, objective.coefGradient(), 1e-14);
    assertArrayEquals(new double[] {5.5 / 3}, objective.interceptGradient(), 1e-14);
  }

  @ParameterizedTest(name = "y={0} m={1}")
  @CsvSource({
    "1, 0.5, 0.5, -1", // inside the margin: slope -s
    "0, 0.5, 1.5, 1", // wrong side: s = -1
    "1, -2, 3, -1",
    "1, 2, 0, 0", // beyond the margin
    "0, -3, 0, 0",
    "1, 1, 0, 0", // exactly at the kink: subgradient 0
    "0, -1, 0, 0"
  })
  void hingeSubgradient(double y, double margin, double loss, double slope) {
    for (boolean sparse : new boolean[] {false, true}) {
      InstanceBlock block =
          block(List.of(new Instance(y, 2.0, new DenseVector(new double[] {1}))), 1, sparse);
      double[] coefGrad = new double[1];
      double[] interceptGrad = new double[1];
      double sum =
          new HingeLoss()
              .accumulate(block, new double[] {margin}, new double[] {0}, coefGrad, interceptGrad);
      assertEquals(2 * loss, sum, 0.0);
      assertEquals(2 * slope, coefGrad[0], 0.0);
      assertEquals(2 * slope, interceptGrad[0], 0.0);
    }
  }

  @ParameterizedTest(name = "sparse vector={0}")
  @ValueSource(booleans = {false, true})
  void marginsOfOneVector(boolean sparse) {
    Vector x = TestData.vector(new double[] {0, 2, 0, -1}, sparse);
    double[] w = {5, 1, 7, 3};
    assertArrayEquals(
        new double[] {2 - 3 + 0.5}, new BinaryLogisticLoss().margins(x, w, new double[] {0.5}));
    assertArrayEquals(new double[] {-1}, new HingeLoss().margins(x, w, null));

    // W is [4, 2] row-major: column 0 = (1, 2, 3, 4), column 1 = (-1, 0, 1, 10).
    double[] wk = {1, -1, 2, 0, 3, 1, 4, 10};
    assertArrayEquals(
        new double[] {4 - 4 + 1, 0 - 10 - 1},
        new MultinomialLogisticLoss(2).margins(x, wk, new double[] {1, -1}));
  }

  @ParameterizedTest(name = "sparse={0}")
  @ValueSource(booleans = {false, true})
  void blockMarginsAgreeWithMarginsOfOneVector(boolean sparse) {
    // With least squares and label 0, the intercept gradient of a one-row block is its margin.
    Random rnd = new Random(12);
    double[] w = TestData.gaussian(rnd, 7, 1);
    double[] b = {0.25};
    LeastSquaresLoss loss = new LeastSquaresLoss();
    for (Instance row : TestData.rows(rnd, 10, 7, 0.5, r -> 0.0, false)) {
      double[] interceptGrad = new double[1];
      loss.accumulate(block(List.of(row), 7, sparse), w, b, new double[7], interceptGrad);
      assertEquals(loss.margins(row.features(), w, b)[0], interceptGrad[0], 1e-14);
    }
  }

  static InstanceBlock block(List<Instance> rows, int d, boolean sparse) {
    return sparse ? InstanceBlock.sparse(rows, d) : InstanceBlock.dense(rows, d);
  }
}
