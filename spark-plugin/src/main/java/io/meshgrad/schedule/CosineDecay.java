package io.meshgrad.schedule;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.support.Checks;
import io.meshgrad.support.ConfigReader;
import io.meshgrad.support.Json;
import java.util.List;

/**
 * Keras 2.13's {@code CosineDecay(initial_learning_rate, decay_steps, alpha=0.0, name=None,
 * warmup_target=None, warmup_steps=0)}, in float32. With
 * {@code decay(s, from) = from * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)}:
 *
 * <pre>
 * if warmup_target is None:
 *     lr = decay(min(step, decay_steps), initial_learning_rate)
 * else:
 *     s  = min(step, decay_steps + warmup_steps)
 *     lr = (warmup_target - initial_learning_rate) * (s / warmup_steps) + initial_learning_rate
 *              if s &lt; warmup_steps
 *          else decay(s - warmup_steps, warmup_target)
 * </pre>
 *
 * Keras keeps {@code alpha} a Python number here, so {@code 1 - alpha} is computed in double and then
 * rounded to float32 (unlike in {@link CosineDecayRestarts}).
 *
 * <p>A Keras 2.11/2.12 config, which has no {@code warmup_target}/{@code warmup_steps}, loads with
 * their defaults.
 */
public final class CosineDecay extends LearningRateSchedule {
  private static final long serialVersionUID = 1L;
  private static final String NAME = "CosineDecay";
  private static final List<String> KEYS =
      List.of("initial_learning_rate", "decay_steps", "alpha", "name", "warmup_target", "warmup_steps");

  private final double initialLearningRate;
  private final double decaySteps;
  private final double alpha;
  private final String name;
  private final Double warmupTarget;
  private final double warmupSteps;

  /**
   * @param initialLearningRate finite, {@code >= 0}
   * @param decaySteps finite, {@code >= 0}; 0 (Keras accepts it, e.g. in its own {@code testWarmup})
   *     means the decay is over at once: after any warm-up the rate is {@code alpha} times its
   *     start, where Keras would compute {@code 0/0 = NaN}
   * @param alpha the final learning rate as a fraction of the decay's start, finite and {@code >= 0}
   *     (above 1 the rate rises to {@code alpha} times its start, as in Keras)
   * @param name Keras' op name, or null; kept for the config only
   * @param warmupTarget null for no warm-up, else the learning rate reached at the end of the
   *     warm-up, finite and {@code >= 0}
   * @param warmupSteps finite, {@code >= 0}; ignored (but kept in the config) when {@code
   *     warmupTarget} is null, as Keras does
   * @throws IllegalArgumentException if a number is out of range
   */
  public CosineDecay(
      double initialLearningRate,
      double decaySteps,
      double alpha,
      String name,
      Double warmupTarget,
      double warmupSteps) {
    this.initialLearningRate = Checks.nonNegative(NAME, "initial_learning_rate", initialLearningRate);
    this.decaySteps = Checks.nonNegative(NAME, "decay_steps", decaySteps);
    this.alpha = Checks.nonNegative(NAME, "alpha", alpha);
    this.name = name;
    this.warmupTarget = warmupTarget == null ? null : Checks.nonNegative(NAME, "warmup_target", warmupTarget);
    this.warmupSteps = Checks.nonNegative(NAME, "warmup_steps", warmupSteps);
  }

  /** With Keras' defaults {@code alpha=0.0, name=None} and no warm-up. */
  public CosineDecay(double initialLearningRate, double decaySteps) {
    this(initialLearningRate, decaySteps, 0.0, null, null, 0);
  }

  /**
   * Keras' {@code from_config}: the inverse of {@link #getConfig()}; also accepts a Keras 2.11/2.12
   * config without the warm-up keys.
   *
   * @throws IllegalArgumentException on an unknown or missing key, a value of the wrong JSON type, or
   *     an invalid argument
   */
  public static CosineDecay fromConfig(ObjectNode config) {
    ConfigReader read = ConfigReader.withKeys(NAME, config, KEYS);
    return new CosineDecay(
        read.number("initial_learning_rate"),
        read.number("decay_steps"),
        read.number("alpha", 0.0),
        read.stringOrNull("name"),
        read.numberOrNull("warmup_target"),
        read.number("warmup_steps", 0));
  }

  @Override
  public float valueAt(long step) {
    float s = Checks.stepAsFloat32(NAME, step);
    float d = (float) decaySteps;
    float initial = (float) initialLearningRate;
    if (warmupTarget == null) {
      return decay(Math.min(s, d), d, initial);
    }
    float target = warmupTarget.floatValue();
    float w = (float) warmupSteps;
    s = Math.min(s, d + w);
    return s < w ? (target - initial) * (s / w) + initial : decay(s - w, d, target);
  }

  private float decay(float s, float d, float from) {
    if (d == 0f) {
      return from * (float) alpha; // Keras computes 0/0 = NaN here; a zero-length decay is complete
    }
    float cosineDecayed = 0.5f * (1f + F32.cos(F32.PI * (s / d)));
    return from * ((float) (1 - alpha) * cosineDecayed + (float) alpha);
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
    config.put("alpha", alpha);
    config.put("name", name);
    config.put("warmup_target", warmupTarget);
    config.set("warmup_steps", Json.count(warmupSteps));
    return config;
  }

  public double getInitialLearningRate() {
    return initialLearningRate;
  }

  public double getDecaySteps() {
    return decaySteps;
  }

  public double getAlpha() {
    return alpha;
  }

  /** The op name, or null. */
  public String getName() {
    return name;
  }

  /** The warm-up's target learning rate, or null when there is no warm-up. */
  public Double getWarmupTarget() {
    return warmupTarget;
  }

  public double getWarmupSteps() {
    return warmupSteps;
  }
}
