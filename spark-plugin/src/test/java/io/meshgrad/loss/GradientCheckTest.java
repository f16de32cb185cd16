package io.meshgrad.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Analytic gradients of every loss against central finite differences of the objective. */
class GradientCheckTest {
  private static final int NUM_FEATURES = 6;
  private static final double REG_PARAM = 0.3;
  private static final double STEP = 1e-5;
  private static final double TOLERANCE = 1e-6;

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (TestData.LossCase lossCase : TestData.lossCases()) {
      for (boolean sparse : new boolean[] {false, true}) {
        for (boolean fitIntercept : new boolean[] {true, false}) {
          for (boolean weighted : new boolean[] {false, true}) {
            cases.add(Arguments.of(lossCase, sparse, fitIntercept, weighted));
          }
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} sparse={1} fitIntercept={2} weighted={3}")
  @MethodSource("cases")
  void gradientMatchesFiniteDifferences(
      TestData.LossCase lossCase, boolean sparse, boolean fitIntercept, boolean weighted) {
    Random rnd = new Random(42);
    BlockLoss loss = lossCase.loss().get();
    int k = loss.numOutputs();
    double[] coef = TestData.gaussian(rnd, NUM_FEATURES * k, 0.5);
    double[] intercept = fitIntercept ? TestData.gaussian(rnd, k, 0.5) : null;
    List<Instance> rows = TestData.rows(rnd, 40, NUM_FEATURES, 0.6, lossCase.label(), weighted);
    if (loss instanceof HingeLoss) {
      // Finite differences are only valid away from the kink 1 - s m = 0.
      rows.removeIf(r -> Math.abs(slack(loss, r, coef, intercept)) < 0.05);
      assertTrue(rows.size() > 30, "too few rows left away from the kink: " + rows.size());
    }
    // A larger block before a smaller one exercises the reuse of scratch buffers.
    List<InstanceBlock> blocks =
        List.of(block(rows.subList(0, 25), sparse), block(rows.subList(25, rows.size()), sparse));

    LossAndGradient analytic = TestData.objective(loss, blocks, coef, intercept, REG_PARAM);

    assertTrue(norm(analytic.coefGradient()) > 1e-3, "the check must not be vacuous");
    for (int j = 0; j < coef.length; j++) {
      double[] plus = coef.clone();
      double[] minus = coef.clone();
      plus[j] += STEP;
      minus[j] -= STEP;
      double numeric =
          (TestData.objective(loss, blocks, plus, intercept, REG_PARAM).value()
                  - TestData.objective(loss, blocks, minus, intercept, REG_PARAM).value())
              / (2 * STEP);
      double expected = analytic.coefGradient()[j];
      assertEquals(expected, numeric, TOLERANCE * (1 + Math.abs(expected)), "coefficient " + j);
    }
    if (!fitIntercept) {
      assertNull(analytic.interceptGradient());
      return;
    }
    for (int c = 0; c < k; c++) {
      double[] plus = intercept.clone();
      double[] minus = intercept.clone();
      plus[c] += STEP;
      minus[c] -= STEP;
      double numeric =
          (TestData.objective(loss, blocks, coef, plus, REG_PARAM).value()
                  - TestData.objective(loss, blocks, coef, minus, REG_PARAM).value())
              / (2 * STEP);
      double expected = analytic.interceptGradient()[c];
      assertEquals(expected, numeric, TOLERANCE * (1 + Math.abs(expected)), "intercept " + c);
    }
  }

  private static InstanceBlock block(List<Instance> rows, boolean sparse) {
    InstanceBlock block =
        sparse
            ? InstanceBlock.sparse(rows, NUM_FEATURES)
            : InstanceBlock.dense(rows, NUM_FEATURES);
    assertEquals(sparse, block.isSparse());
    return block;
  }

  private static double slack(BlockLoss loss, Instance row, double[] coef, double[] intercept) {
    return 1 - (2 * row.label() - 1) * loss.margins(row.features(), coef, intercept)[0];
  }

  private static double norm(double[] a) {
    double s = 0;
    for (double v : a) {
      s += v * v;
    }
    return Math.sqrt(s);
  }
}
