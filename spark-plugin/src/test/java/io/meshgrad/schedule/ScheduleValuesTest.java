package io.meshgrad.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each schedule against its Keras formula evaluated independently in double, plus exact checks that
 * the float32 op order of Keras is followed.
 */
class ScheduleValuesTest {
  /** float32 evaluation is a few ulps (~1e-7 relative) from the exact value; cancellations excepted. */
  private static final double RTOL = 1e-6;
  private static final double ATOL = 1e-12;

  private static void assertClose(double expected, float actual, long step) {
    assertClose(expected, actual, step, ATOL);
  }

  private static void assertClose(double expected, float actual, long step, double atol) {
    assertTrue(Math.abs(actual - expected) <= atol + RTOL * Math.abs(expected),
        () -> "step " + step + ": expected " + expected + ", got " + actual);
  }

  @Test
  void exponentialDecayFollowsInitialTimesRateToTheStepFraction() {
    ExponentialDecay schedule = new ExponentialDecay(0.01, 3, 0.8);
    for (long step : new long[] {0, 1, 2, 3, 4, 7, 30, 1000}) {
      assertClose(0.01 * Math.pow(0.8, step / 3.0), schedule.valueAt(step), step);
    }
    assertEquals(0.01f, schedule.valueAt(0));
  }

  @Test
  void exponentialDecayStaircaseDecaysOnlyAtWholePeriods() {
    ExponentialDecay schedule = new ExponentialDecay(0.1, 4, 0.5, true, null);
    for (long step : new long[] {0, 1, 3, 4, 5, 7, 8, 9, 41}) {
      assertClose(0.1 * Math.pow(0.5, Math.floor(step / 4.0)), schedule.valueAt(step), step);
    }
    assertEquals(schedule.valueAt(4), schedule.valueAt(7));
  }

  @Test
  void piecewiseConstantDecayHasInclusiveUpperBounds() {
    PiecewiseConstantDecay schedule =
        new PiecewiseConstantDecay(new double[] {2, 5}, new double[] {0.01, 0.005, 0.001});
    float[] expected = {0.01f, 0.01f, 0.01f, 0.005f, 0.005f, 0.005f, 0.001f, 0.001f};
    for (int step = 0; step < expected.length; step++) {
      assertEquals(expected[step], schedule.valueAt(step), "step " + step);
    }
    assertEquals(0.001f, schedule.valueAt(Long.MAX_VALUE));
  }

  @Test
  void piecewiseConstantDecayTruncatesFractionalBoundaries() {
    PiecewiseConstantDecay fractional =
        new PiecewiseConstantDecay(new double[] {2.9, 5.5}, new double[] {3, 2, 1});
    PiecewiseConstantDecay integral =
        new PiecewiseConstantDecay(new double[] {2, 5}, new double[] {3, 2, 1});
    for (long step = 0; step < 8; step++) {
      assertEquals(integral.valueAt(step), fractional.valueAt(step), "step " + step);
    }
    assertEquals(2f, fractional.valueAt(3));
  }

  @Test
  void polynomialDecayHoldsTheEndRateAfterDecaySteps() {
    PolynomialDecay schedule = new PolynomialDecay(0.1, 4, 0.001, 2.0, false, null);
    for (long step : new long[] {0, 1, 2, 3, 4, 5, 100}) {
      double p = Math.min(step, 4) / 4.0;
      assertClose((0.1 - 0.001) * Math.pow(1 - p, 2) + 0.001, schedule.valueAt(step), step);
    }
    assertEquals(schedule.valueAt(4), schedule.valueAt(100));
  }

  @Test
  void polynomialDecayDefaultsAreLinearToOneTenThousandth() {
    PolynomialDecay schedule = new PolynomialDecay(0.01, 10);
    assertClose((0.01 - 0.0001) * 0.7 + 0.0001, schedule.valueAt(3), 3);
    assertClose(0.0001, schedule.valueAt(10), 10);
  }

  @Test
  void polynomialDecayCycleStretchesToTheNextMultipleAndStartsAtTheInitialRate() {
    PolynomialDecay schedule = new PolynomialDecay(0.1, 4, 0.01, 1.0, true, null);
    for (long step : new long[] {0, 1, 3, 4, 5, 7, 8, 9, 13}) {
      double multiple = step == 0 ? 4 : 4 * Math.ceil(step / 4.0);
      assertClose((0.1 - 0.01) * (1 - step / multiple) + 0.01, schedule.valueAt(step), step);
    }
    assertEquals(0.1f, schedule.valueAt(0));
    assertClose(0.01, schedule.valueAt(4), 4);
    assertClose((0.1 - 0.01) * (1 - 5 / 8.0) + 0.01, schedule.valueAt(5), 5);
  }

  @Test
  void inverseTimeDecayDividesByOnePlusRateTimesProgress() {
    InverseTimeDecay continuous = new InverseTimeDecay(0.01, 2, 0.5);
    InverseTimeDecay staircase = new InverseTimeDecay(0.01, 2, 0.5, true, null);
    for (long step : new long[] {0, 1, 2, 3, 4, 9, 500}) {
      assertClose(0.01 / (1 + 0.5 * step / 2.0), continuous.valueAt(step), step);
      assertClose(0.01 / (1 + 0.5 * Math.floor(step / 2.0)), staircase.valueAt(step), step);
    }
  }

  private static double cosineDecay(double from, double step, double decaySteps, double alpha) {
    double cosine = 0.5 * (1 + Math.cos(Math.PI * Math.min(step, decaySteps) / decaySteps));
    return from * ((1 - alpha) * cosine + alpha);
  }

  @Test
  void cosineDecayFallsToAlphaTimesTheInitialRate() {
    CosineDecay schedule = new CosineDecay(0.01, 10, 0.1, null, null, 0);
    for (long step : new long[] {0, 1, 2, 5, 8, 9, 10, 11, 1000}) {
      assertClose(cosineDecay(0.01, step, 10, 0.1), schedule.valueAt(step), step);
    }
    assertClose(0.001, schedule.valueAt(10), 10);
  }

  @Test
  void cosineDecayDefaultsDecayToZero() {
    CosineDecay schedule = new CosineDecay(0.01, 10);
    assertEquals(0.01f, schedule.valueAt(0));
    assertClose(0.005, schedule.valueAt(5), 5);
    assertEquals(0f, schedule.valueAt(10));
    assertEquals(0f, schedule.valueAt(11));
  }

  @Test
  void cosineDecayWarmsUpLinearlyFromTheInitialRateThenDecaysFromTheTarget() {
    CosineDecay schedule = new CosineDecay(0.001, 10, 0.2, null, 0.01, 4);
    for (long step : new long[] {0, 1, 2, 3}) {
      assertClose((0.01 - 0.001) * (step / 4.0) + 0.001, schedule.valueAt(step), step);
    }
    for (long step : new long[] {4, 5, 9, 13, 14, 15, 200}) {
      assertClose(cosineDecay(0.01, step - 4, 10, 0.2), schedule.valueAt(step), step);
    }
    assertClose(0.01, schedule.valueAt(4), 4);
    assertClose(0.002, schedule.valueAt(14), 14);
  }

  @Test
  void cosineDecayWarmupFromZero() {
    CosineDecay schedule = new CosineDecay(0.0, 10, 0.0, null, 0.1, 5);
    assertEquals(0f, schedule.valueAt(0));
    assertClose(0.06, schedule.valueAt(3), 3);
    assertClose(0.1, schedule.valueAt(5), 5);
    assertClose(0.05, schedule.valueAt(10), 10);
    assertEquals(0f, schedule.valueAt(15));
    assertEquals(0f, schedule.valueAt(99));
  }

  /** Keras 2.13's own {@code testWarmup}: {@code CosineDecay(0.0, 0, warmup_target=10.0, warmup_steps=1500)}. */
  @Test
  void cosineDecayAcceptsZeroDecayStepsWithWarmupAsKerasDoes() {
    CosineDecay schedule = new CosineDecay(0.0, 0, 0.0, null, 10.0, 1500);
    for (int step = 0; step < 1500; step += 250) {
      assertClose(10.0 * step / 1500, schedule.valueAt(step), step);
    }
    // after the warm-up the zero-length decay is complete: alpha * target, where Keras gives 0/0 = NaN
    assertEquals(0f, schedule.valueAt(1500));
    assertEquals(2f, new CosineDecay(0.0, 0, 0.2, null, 10.0, 1500).valueAt(4000));
    assertEquals(0.5f, new CosineDecay(5.0, 0, 0.1, null, null, 0).valueAt(3));
  }

  @Test
  void cosineDecayWithTargetButNoWarmupStepsDecaysFromTheTarget() {
    CosineDecay schedule = new CosineDecay(0.5, 10, 0.0, null, 0.01, 0);
    assertEquals(new CosineDecay(0.01, 10).valueAt(3), schedule.valueAt(3));
  }

  /** The SGDR model from Keras' own test: subtract whole periods, each restart scaling by m_mul. */
  private static double restarts(
      double initial, double first, double tMul, double mMul, double alpha, long step) {
    double remaining = step;
    double period = first;
    int restart = 0;
    while (remaining >= period) {
      remaining -= period;
      period *= tMul;
      restart++;
    }
    double cosine = 0.5 * Math.pow(mMul, restart) * (1 + Math.cos(Math.PI * remaining / period));
    return initial * ((1 - alpha) * cosine + alpha);
  }

  @Test
  void cosineDecayRestartsWithEqualPeriods() {
    CosineDecayRestarts schedule = new CosineDecayRestarts(0.01, 4, 1.0, 0.5, 0.1, null);
    for (long step : new long[] {0, 1, 3, 4, 5, 7, 8, 9, 13, 17}) {
      assertClose(restarts(0.01, 4, 1.0, 0.5, 0.1, step), schedule.valueAt(step), step);
    }
    assertClose(0.01 * (0.9 * 0.5 + 0.1), schedule.valueAt(4), 4);
  }

  @Test
  void cosineDecayRestartsWithGrowingPeriods() {
    CosineDecayRestarts schedule = new CosineDecayRestarts(0.01, 3, 2.0, 0.9, 0.05, null);
    // Periods [0, 3), [3, 9), [9, 21), [21, 45); exact restart steps are left out: there the float32
    // floor(log(.)/log(t_mul)) may land on either side, in Keras too.
    for (long step : new long[] {0, 1, 2, 4, 5, 8, 10, 15, 20, 22, 44, 50}) {
      assertClose(restarts(0.01, 3, 2.0, 0.9, 0.05, step), schedule.valueAt(step), step);
    }
  }

  @Test
  void cosineDecayRestartsDefaultsDoublePeriodsAndKeepTheRate() {
    CosineDecayRestarts schedule = new CosineDecayRestarts(0.01, 10);
    // With alpha = 0 the rate near a period's end is the small difference 1 + cos(pi f), whose float32
    // value is only accurate relative to the schedule's scale (0.01), not to itself.
    double atol = 1e-6 * 0.01;
    for (long step : new long[] {0, 5, 9, 11, 20, 29, 31, 69, 71}) {
      assertClose(restarts(0.01, 10, 2.0, 1.0, 0.0, step), schedule.valueAt(step), step, atol);
    }
  }

  @Test
  void cosineDecayRestartsWithShrinkingPeriodsEndsWhereThePeriodsSumUp() {
    CosineDecayRestarts schedule = new CosineDecayRestarts(0.01, 10, 0.5, 1.0, 0.0, null);
    for (long step : new long[] {0, 5, 12, 16, 19}) {
      assertClose(restarts(0.01, 10, 0.5, 1.0, 0.0, step), schedule.valueAt(step), step);
    }
    for (long step : new long[] {20, 21, 1000}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> schedule.valueAt(step));
      assertTrue(e.getMessage().contains("CosineDecayRestarts") && e.getMessage().contains("t_mul"),
          e.getMessage());
    }
  }

  @Test
  void computesInFloat32AsKerasDoes() {
    ExponentialDecay schedule = new ExponentialDecay(0.01, 3, 0.8);
    assertEquals(0.01f * (float) Math.pow(0.8f, 1f / 3f), schedule.valueAt(1));
    // 0.01f * 0.8f**2f rounds up by one ulp from the float nearest 0.0064, where double math would not.
    float keras = 0.01f * (float) Math.pow(0.8f, 2f);
    assertEquals(keras, schedule.valueAt(6));
    assertEquals(Math.nextUp(0.0064f), schedule.valueAt(6));
    assertNotEquals((float) (0.01 * Math.pow(0.8, 2)), schedule.valueAt(6));
  }

  @Test
  void cosineDecayTakesOneMinusAlphaInDoubleButCosineDecayRestartsInFloat32() {
    // Keras' CosineDecay uses alpha as a Python number, CosineDecayRestarts casts it to float32 first;
    // for alpha = 0.6 the two roundings of 1 - alpha differ (0.4f vs 1f - 0.6f = 0.39999998f).
    float cosine = 0.5f * (1f + (float) Math.cos((float) Math.PI * (2f / 10f)));
    float cosineDecay = (float) (1 - 0.6) * cosine + 0.6f;
    float restarts = 0.5f * 1f * (1f + (float) Math.cos((float) Math.PI * (2f / 10f)));
    float cosineDecayRestarts = (1f - 0.6f) * restarts + 0.6f;
    assertNotEquals(cosineDecay, cosineDecayRestarts);
    assertEquals(cosineDecay, new CosineDecay(1.0, 10, 0.6, null, null, 0).valueAt(2));
    assertEquals(cosineDecayRestarts, new CosineDecayRestarts(1.0, 10, 1.0, 1.0, 0.6, null).valueAt(2));
  }

  @Test
  void everyScheduleRejectsANegativeStep() {
    for (LearningRateSchedule schedule : List.of(
        new ExponentialDecay(0.01, 3, 0.8),
        new PiecewiseConstantDecay(new double[] {2}, new double[] {0.1, 0.01}),
        new PolynomialDecay(0.01, 3),
        new InverseTimeDecay(0.01, 3, 0.5),
        new CosineDecay(0.01, 3),
        new CosineDecayRestarts(0.01, 3))) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> schedule.valueAt(-1));
      assertEquals(schedule.className() + ": step must be >= 0, got -1", e.getMessage());
    }
  }
}
