package io.meshgrad.schedule;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.support.Checks;
import io.meshgrad.support.ConfigReader;
import io.meshgrad.support.Json;
import java.util.List;

/**
 * Keras' {@code PolynomialDecay(initial_learning_rate, decay_steps, end_learning_rate=0.0001,
 * power=1.0, cycle=False, name=None)}, in float32:
 *
 * <pre>
 * if cycle:  D = decay_steps * (1 if step == 0 else ceil(step / decay_steps));  s = step
 * else:      D = decay_steps;  s = min(step, decay_steps)
 * lr = (initial_learning_rate - end_learning_rate) * (1 - s / D) ** power + end_learning_rate
 * </pre>
 */
public final class PolynomialDecay extends LearningRateSchedule {
  private static final long serialVersionUID = 1L;
  private static final String NAME = "PolynomialDecay";
  private static final List<String> KEYS =
      List.of("initial_learning_rate", "decay_steps", "end_learning_rate", "power", "cycle", "name");
  private static final double DEFAULT_END_LEARNING_RATE = 0.0001;
  private static final double DEFAULT_POWER = 1.0;

  private final double initialLearningRate;
  private final double decaySteps;
  private final double endLearningRate;
  private final double power;
  private final boolean cycle;
  private final String name;

  /**
   * @param initialLearningRate finite, {@code >= 0}
   * @param decaySteps finite, {@code > 0}
   * @param endLearningRate finite, {@code >= 0}
   * @param power finite, {@code >= 0}
   * @param cycle restart the decay at every multiple of {@code decaySteps} instead of holding
   *     {@code endLearningRate}
   * @param name Keras' op name, or null; kept for the config only
   * @throws IllegalArgumentException if a number is out of range
   */
  public PolynomialDecay(
      double initialLearningRate,
      double decaySteps,
      double endLearningRate,
      double power,
      boolean cycle,
      String name) {
    this.initialLearningRate = Checks.nonNegative(NAME, "initial_learning_rate", initialLearningRate);
    this.decaySteps = Checks.positiveFloat32(NAME, "decay_steps", decaySteps);
    this.endLearningRate = Checks.nonNegative(NAME, "end_learning_rate", endLearningRate);
    this.power = Checks.nonNegative(NAME, "power", power);
    this.cycle = cycle;
    this.name = name;
  }

  /** With Keras' defaults {@code end_learning_rate=0.0001, power=1.0, cycle=False, name=None}. */
  public PolynomialDecay(double initialLearningRate, double decaySteps) {
    this(initialLearningRate, decaySteps, DEFAULT_END_LEARNING_RATE, DEFAULT_POWER, false, null);
  }

  /**
   * Keras' {@code from_config}: the inverse of {@link #getConfig()}.
   *
   * @throws IllegalArgumentException on an unknown or missing key, a value of the wrong JSON type, or
   *     a number out of range
   */
  public static PolynomialDecay fromConfig(ObjectNode config) {
    ConfigReader read = ConfigReader.withKeys(NAME, config, KEYS);
    return new PolynomialDecay(
        read.number("initial_learning_rate"),
        read.number("decay_steps"),
        read.number("end_learning_rate", DEFAULT_END_LEARNING_RATE),
        read.number("power", DEFAULT_POWER),
        read.bool("cycle", false),
        read.stringOrNull("name"));
  }

  @Override
  public float valueAt(long step) {
    float s = Checks.stepAsFloat32(NAME, step);
    float d = (float) decaySteps;
    if (cycle) {
      d = d * (s == 0f ? 1f : F32.ceil(s / d));
    } else {
      s = Math.min(s, d);
    }
    float end = (float) endLearningRate;
    return ((float) initialLearningRate - end) * F32.pow(1f - s / d, (float) power) + end;
  }

  @Override
  public String className() {
    return NAME;
  }

  @Override
  public ObjectNode getConfig() {
    ObjectNode config = Json.object();
    config.put("initial_learning_rate", initialLearningRate);
    config.set("decay_steps", Json.count(decaySteps));
    config.put("end_learning_rate", endLearningRate);
    config.put("power", power);
    config.put("cycle", cycle);
    config.put("name", name);
    return config;
  }

  public double getInitialLearningRate() {
    return initialLearningRate;
  }

  public double getDecaySteps() {
    return decaySteps;
  }

  public double getEndLearningRate() {
    return endLearningRate;
  }

  public double getPower() {
    return power;
  }

  public boolean isCycle() {
    return cycle;
  }

  /** The op name, or null. */
  public String getName() {
    return name;
  }
}
