package io.meshgrad.loss;

import static io.meshgrad.loss.InstanceBlockTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.DenseVector;
import org.junit.jupiter.api.Test;

/** {@link GradientSum}, {@link L2Regularization} and the losses' argument checks. */
class ObjectiveTest {

  @Test
  void regularisesCoefficientsButNotTheIntercept() {
    Random rnd = new Random(13);
    List<Instance> rows = TestData.rows(rnd, 20, 3, 1.0, r -> r.nextInt(2), true);
    double[] w = {0.5, -1, 2};
    double[] b = {0.3};
    GradientSum sums =
        TestData.sums(new BinaryLogisticLoss(), List.of(InstanceBlock.dense(rows, 3)), w, b);
    LossAndGradient plain = L2Regularization.objective(sums, w, 0);
    LossAndGradient regularised = L2Regularization.objective(sums, w, 0.4);

    assertEquals(sums.lossSum() / sums.weightSum(), plain.value(), 1e-15);
    assertEquals(plain.value() + 0.2 * (0.25 + 1 + 4), regularised.value(), 1e-14);
    for (int j = 0; j < 3; j++) {
      assertEquals(sums.coefGrad()[j] / sums.weightSum(), plain.coefGradient()[j], 1e-15);
      assertEquals(plain.coefGradient()[j] + 0.4 * w[j], regularised.coefGradient()[j], 1e-15);
    }
    assertArrayEquals(plain.interceptGradient(), regularised.interceptGradient());
  }

  @Test
  void zeroTotalWeightIsAnError() {
    List<Instance> rows = List.of(new Instance(1, 0.0, new DenseVector(new double[] {1, 2})));
    GradientSum sums =
        TestData.sums(new LeastSquaresLoss(), List.of(InstanceBlock.dense(rows, 2)),
            new double[2], null);
    assertEquals(0.0, sums.lossSum());
    assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> L2Regularization.objective(sums, new double[2], 0.1)),
        "zero total weight", "got 0.0", "1 rows");
    assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> L2Regularization.objective(new GradientSum(2, 1, false), new double[2], -1)),
        "regParam", "got -1.0");
  }

  @Test
  void mergedSumsEqualOneSum() {
    Random rnd = new Random(14);
    List<Instance> rows = TestData.rows(rnd, 40, 5, 0.5, r -> r.nextInt(3), true);
    MultinomialLogisticLoss loss = new MultinomialLogisticLoss(3);
    double[] w = TestData.gaussian(rnd, 15, 1);
    double[] b = TestData.gaussian(rnd, 3, 1);
    GradientSum all = TestData.sums(loss, List.of(InstanceBlock.dense(rows, 5)), w, b);
    GradientSum left =
        TestData.sums(loss, List.of(InstanceBlock.sparse(rows.subList(0, 15), 5)), w, b);
    GradientSum right =
        TestData.sums(loss, List.of(InstanceBlock.dense(rows.subList(15, 40), 5)), w, b);

    GradientSum merged = new GradientSum(5, 3, true).merge(left).merge(right);
    DenseSparseEquivalenceTest.assertSameSums(all, merged);
    assertEquals(40, merged.count());

    assertMessage(
        assertThrows(
            IllegalArgumentException.class, () -> merged.merge(new GradientSum(5, 3, false))),
        "fitIntercept=true", "fitIntercept=false");
  }

  @Test
  void lossesSurviveSerializationAfterUse() throws Exception {
    Random rnd = new Random(15);
    List<Instance> rows = TestData.rows(rnd, 12, 4, 0.7, r -> r.nextInt(3), false);
    InstanceBlock block = InstanceBlock.dense(rows, 4);
    double[] w = TestData.gaussian(rnd, 12, 1);
    MultinomialLogisticLoss loss = new MultinomialLogisticLoss(3);
    GradientSum before = TestData.sums(loss, List.of(block), w, null);
    MultinomialLogisticLoss copy = TestData.roundTrip(loss);
    GradientSum after = TestData.sums(copy, List.of(block), w, null);
    assertEquals(3, copy.numClasses());
    assertEquals(before.lossSum(), after.lossSum());
    assertArrayEquals(before.coefGrad(), after.coefGrad());

    BinaryLogisticLoss binary = TestData.roundTrip(new BinaryLogisticLoss());
    assertEquals(1, binary.numOutputs());
  }

  @Test
  void checksParameterShapes() {
    InstanceBlock block =
        InstanceBlock.dense(List.of(new Instance(1, new DenseVector(new double[] {1, 2, 3}))), 3);
    BlockLoss loss = new MultinomialLogisticLoss(2);
    assertMessage(
        assertThrows(IllegalArgumentException.class,
            () -> loss.accumulate(block, new double[5], null, new double[6], null)),
        "coefficients", "length 6", "got length 5");
    assertMessage(
        assertThrows(IllegalArgumentException.class,
            () -> loss.accumulate(block, new double[6], new double[2], new double[6], null)),
        "both be null");
    assertMessage(
        assertThrows(IllegalArgumentException.class,
            () -> loss.accumulate(
                block, new double[6], new double[1], new double[6], new double[1])),
        "intercept", "length 2", "got length 1");
    assertMessage(
        assertThrows(IllegalArgumentException.class,
            () -> new GradientSum(3, 2, true).add(loss, block, new double[6], null)),
        "intercept", "got null");
    assertMessage(
        assertThrows(IllegalArgumentException.class,
            () -> new GradientSum(3, 1, false).add(loss, block, new double[6], null)),
        "numOutputs 1", "got 2");
    assertMessage(
        assertThrows(IllegalArgumentException.class, () -> new MultinomialLogisticLoss(1)),
        "numClasses", ">= 2", "got 1");
  }

  @Test
  void multinomialRejectsAnUnvalidatedBadLabel() {
    // Blocks built without a label validator still never index outside the classes.
    InstanceBlock block =
        InstanceBlock.dense(List.of(new Instance(2, new DenseVector(new double[] {1}))), 1);
    assertMessage(
        assertThrows(IllegalArgumentException.class,
            () -> new MultinomialLogisticLoss(2).accumulate(block, new double[2], null,
                new double[2], null)),
        "[0, 1]", "got 2.0");
  }
}
