package io.meshgrad.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.GradientAndVariable;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.schedule.CosineDecay;
import io.meshgrad.schedule.CosineDecayRestarts;
import io.meshgrad.schedule.LearningRateSchedule;
import io.meshgrad.schedule.PiecewiseConstantDecay;
import io.meshgrad.schedule.Schedules;
import io.meshgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Arguments Keras 2.13 accepts (it checks almost nothing, see docs/optimizer.md, "Keras 2.13 argument
 * audit") that meshgrad once rejected without a reason: each is accepted now and computes what Keras
 * computes. Expected values follow Keras' formulas (keras/optimizers/schedules/learning_rate_schedule.py,
 * keras/optimizers/optimizer.py at v2.13.1), evaluated in float32 as Keras does.
 */
class KerasAcceptanceTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text.replace('\'', '"'));
  }

  /** Keras' own testWarmup: CosineDecay(0.0, decay_steps=0, warmup_target=10.0, warmup_steps=1500). */
  @Test
  void kerasOwnWarmupTest() {
    CosineDecay s = new CosineDecay(0.0, 0, 0.0, null, 10.0, 1500);
    assertEquals(0f, s.valueAt(0));
    assertEquals(5f, s.valueAt(750));
    assertEquals(2f, s.valueAt(300), 1e-6f);
  }

  /** alpha above 1: the rate rises from initial to alpha * initial ((1 - alpha) * cos_decay + alpha). */
  @Test
  void cosineDecayAlphaAboveOne() throws Exception {
    LearningRateSchedule s = Schedules.deserialize(json(
        "{'class_name': 'CosineDecay', 'config': {'initial_learning_rate': 0.1, 'decay_steps': 10, 'alpha': 1.5}}"));
    assertEquals(0.1f, s.valueAt(0));
    assertEquals(0.1f * 1.5f, s.valueAt(10));
    assertEquals(0.1f * ((1f - 1.5f) * 0.5f + 1.5f), s.valueAt(5), 1e-7f);
    assertEquals(1.5, s.getConfig().get("alpha").asDouble());
  }

  /** warmup_steps without warmup_target: Keras ignores it (the plain cosine decay) and keeps it in get_config. */
  @Test
  void warmupStepsWithoutTargetAreIgnored() throws Exception {
    CosineDecay withSteps = new CosineDecay(0.05, 20, 0.1, null, null, 7);
    CosineDecay plain = new CosineDecay(0.05, 20, 0.1, null, null, 0);
    for (long step : new long[] {0, 3, 7, 12, 20, 40}) {
      assertEquals(plain.valueAt(step), withSteps.valueAt(step), "step " + step);
    }
    assertEquals(7, withSteps.getConfig().get("warmup_steps").asInt());
    LearningRateSchedule loaded = Schedules.deserialize(Schedules.serialize(withSteps));
    assertEquals(withSteps.getConfig(), loaded.getConfig());
  }

  @Test
  void cosineDecayRestartsAlphaAboveOne() {
    CosineDecayRestarts s = new CosineDecayRestarts(0.2, 10, 2.0, 1.0, 2.0, null);
    assertEquals(0.2f, s.valueAt(0));
    assertEquals(0.2f * ((1f - 2f) * 0.5f + 2f), s.valueAt(5), 1e-7f);
  }

  /** Equal boundaries: Keras' tf.case has an empty middle case, so the value between them is never used. */
  @Test
  void piecewiseConstantWithEqualBoundaries() {
    PiecewiseConstantDecay s = new PiecewiseConstantDecay(new double[] {2, 2, 5}, new double[] {3, 2, 1, 0.5}, null);
    assertEquals(3f, s.valueAt(0));
    assertEquals(3f, s.valueAt(2));
    assertEquals(1f, s.valueAt(3));
    assertEquals(1f, s.valueAt(5));
    assertEquals(0.5f, s.valueAt(6));
    // 2.2 and 2.7 both truncate to the int64 step 2, as Keras casts them
    PiecewiseConstantDecay truncated = new PiecewiseConstantDecay(new double[] {2.2, 2.7}, new double[] {3, 2, 1},
        null);
    assertEquals(3f, truncated.valueAt(2));
    assertEquals(1f, truncated.valueAt(3));
  }

  /** Keras checks ema_momentum and ema_overwrite_frequency only when use_ema is true. */
  @Test
  void emaArgumentsAreUncheckedWithoutEma() throws Exception {
    Adagrad opt = Adagrad.fromConfig(json("{'learning_rate': 0.1, 'use_ema': false, 'ema_momentum': 1.5,"
        + " 'ema_overwrite_frequency': -3}"));
    assertEquals(1.5, opt.getConfig().get("ema_momentum").asDouble());
    assertEquals(-3, opt.getConfig().get("ema_overwrite_frequency").asInt());
    assertArrayEquals(run(Adagrad.builder().learningRate(0.1).build()), run(opt));
  }

  /** ema_overwrite_frequency = 0 is falsy in Keras: never overwrite, as null. */
  @Test
  void emaOverwriteFrequencyZeroMeansNever() throws Exception {
    Adagrad zero = Adagrad.fromConfig(json("{'learning_rate': 0.1, 'use_ema': true, 'ema_momentum': 0.5,"
        + " 'ema_overwrite_frequency': 0}"));
    Adagrad never = Adagrad.builder().learningRate(0.1).useEma(true).emaMomentum(0.5).build();
    Adagrad every2 = Adagrad.builder().learningRate(0.1).useEma(true).emaMomentum(0.5).emaOverwriteFrequency(2)
        .build();
    float[] neverOverwritten = run(never);
    assertArrayEquals(neverOverwritten, run(zero));
    assertEquals(0, zero.getConfig().get("ema_overwrite_frequency").asInt());
    assertFalse(Arrays.equals(neverOverwritten, run(every2)), "frequency 2 does overwrite");
  }

  /** Four dense steps on a 3-vector; the variable's values after them. */
  private static float[] run(Adagrad opt) {
    Variable w = new Variable("w", Tensor.of(new float[] {1f, -2f, 0.5f}, 3));
    for (int step = 0; step < 4; step++) {
      opt.applyGradients(List.of(new GradientAndVariable(
          Tensor.of(new float[] {0.3f * (step + 1), -0.2f, 0.1f * step}, 3), w)));
    }
    return w.read().floats();
  }
}
