package io.meshgrad.schedule;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.support.Checks;
import io.meshgrad.support.ConfigReader;
import io.meshgrad.support.Json;
import java.util.List;

/**
 * Keras' {@code CosineDecayRestarts(initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
 * alpha=0.0, name=None)} (SGDR), in float32:
 *
 * <pre>
 * f = step / first_decay_steps
 * if t_mul == 1:  i = floor(f);  f = f - i
 * else:           i = floor(log(1 - f * (1 - t_mul)) / log(t_mul))
 *                 f = (f - (1 - t_mul ** i) / (1 - t_mul)) / t_mul ** i
 * lr = initial_learning_rate * ((1 - alpha) * (0.5 * m_mul ** i * (1 + cos(pi * f))) + alpha)
 * </pre>
 *
 * Period {@code i} (from 0) lasts {@code first_decay_steps * t_mul ** i} steps and starts at
 * {@code m_mul ** i} times the initial rate; {@code alpha} is not scaled by {@code m_mul ** i}.
 *
 * <p>With {@code t_mul < 1} the periods add up to {@code first_decay_steps / (1 - t_mul)} steps and
 * Keras' formula yields NaN after that; {@link #valueAt} throws there instead.
 */
public final class CosineDecayRestarts extends LearningRateSchedule {
  private static final long serialVersionUID = 1L;
  private static final String NAME = "CosineDecayRestarts";
  private static final List<String> KEYS =
      List.of("initial_learning_rate", "first_decay_steps", "t_mul", "m_mul", "alpha", "name");
  private static final double DEFAULT_T_MUL = 2.0;
  private static final double DEFAULT_M_MUL = 1.0;

  private final double initialLearningRate;
  private final double firstDecaySteps;
  private final double tMul;
  private final double mMul;
  private final double alpha;
  private final String name;

  /**
   * @param initialLearningRate finite, {@code >= 0}
   * @param firstDecaySteps the length of the first period, finite, {@code > 0}
   * @param tMul the growth of each period's length, finite, {@code > 0}
   * @param mMul the factor on each period's starting rate, finite, {@code >= 0}
   * @param alpha the minimum learning rate as a fraction of {@code initialLearningRate}, finite and
   *     {@code >= 0} (Keras checks nothing; a negative alpha would make the rate negative)
   * @param name Keras' op name, or null; kept for the config only
   * @throws IllegalArgumentException if a number is out of range
   */
  public CosineDecayRestarts(
      double initialLearningRate,
      double firstDecaySteps,
      double tMul,
      double mMul,
      double alpha,
      String name) {
    this.initialLearningRate = Checks.nonNegative(NAME, "initial_learning_rate", initialLearningRate);
    this.firstDecaySteps = Checks.positiveFloat32(NAME, "first_decay_steps", firstDecaySteps);
    this.tMul = Checks.positiveFloat32(NAME, "t_mul", tMul);
    this.mMul = Checks.nonNegative(NAME, "m_mul", mMul);
    this.alpha = Checks.nonNegative(NAME, "alpha", alpha);
    this.name = name;
  }

  /** With Keras' defaults {@code t_mul=2.0, m_mul=1.0, alpha=0.0, name=None}. */
  public CosineDecayRestarts(double initialLearningRate, double firstDecaySteps) {
    this(initialLearningRate, firstDecaySteps, DEFAULT_T_MUL, DEFAULT_M_MUL, 0.0, null);
  }

  /**
   * Keras' {@code from_config}: the inverse of {@link #getConfig()}.
   *
   * @throws IllegalArgumentException on an unknown or missing key, a value of the wrong JSON type, or
   *     a number out of range
   */
  public static CosineDecayRestarts fromConfig(ObjectNode config) {
    ConfigReader read = ConfigReader.withKeys(NAME, config, KEYS);
    return new CosineDecayRestarts(
        read.number("initial_learning_rate"),
        read.number("first_decay_steps"),
        read.number("t_mul", DEFAULT_T_MUL),
        read.number("m_mul", DEFAULT_M_MUL),
        read.number("alpha", 0.0),
        read.stringOrNull("name"));
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException also if {@code t_mul < 1} and {@code step} lies past the end of
   *     all periods
   */
  @Override
  public float valueAt(long step) {
    float f = Checks.stepAsFloat32(NAME, step) / (float) firstDecaySteps;
    float t = (float) tMul;
    float i;
    if (t == 1f) {
      i = F32.floor(f);
      f = f - i;
    } else {
      float remaining = 1f - f * (1f - t);
      if (!(remaining > 0f)) {
        throw Checks.error(NAME, "step " + step + " is past the end of the schedule: with t_mul=" + tMul
            + " < 1 all periods together last first_decay_steps / (1 - t_mul) = "
            + firstDecaySteps / (1 - tMul) + " steps");
      }
      i = F32.floor(F32.log(remaining) / F32.log(t));
      float sumOfPeriods = (1f - F32.pow(t, i)) / (1f - t);
      f = (f - sumOfPeriods) / F32.pow(t, i);
    }
    float cosineDecayed = 0.5f * F32.pow((float) mMul, i) * (1f + F32.cos(F32.PI * f));
    float a = (float) alpha;
    return (float) initialLearningRate * ((1f - a) * cosineDecayed + a);
  }

  @Override
  public String className() {
    return NAME;
  }

  @Override
  public ObjectNode getConfig() {
    ObjectNode config = Json.object();
    config.put("initial_learning_rate", initialLearningRate);
    config.set("first_decay_steps", Json.count(firstDecaySteps));
    config.put("t_mul", tMul);
    config.put("m_mul", mMul);
    config.put("alpha", alpha);
    config.put("name", name);
    return config;
  }

  public double getInitialLearningRate() {
    return initialLearningRate;
  }

  public double getFirstDecaySteps() {
    return firstDecaySteps;
  }

  public double getTMul() {
    return tMul;
  }

  public double getMMul() {
    return mMul;
  }

  public double getAlpha() {
    return alpha;
  }

  /** The op name, or null. */
  public String getName() {
    return name;
  }
}
