package io.meshgrad.schedule;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.support.Checks;
import io.meshgrad.support.ConfigReader;
import io.meshgrad.support.Json;
import java.util.List;

/**
 * What {@link ExponentialDecay} and {@link InverseTimeDecay} share: the arguments
 * {@code (initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None)}, their config,
 * and the decay progress {@code p = step / decay_steps}, floored when {@code staircase}.
 */
abstract class StaircaseDecay extends LearningRateSchedule {
  private static final long serialVersionUID = 1L;
  private static final List<String> KEYS =
      List.of("initial_learning_rate", "decay_steps", "decay_rate", "staircase", "name");

  /** A subclass constructor. */
  @FunctionalInterface
  interface Factory<T extends StaircaseDecay> {
    T create(double initialLearningRate, double decaySteps, double decayRate, boolean staircase, String name);
  }

  private final double initialLearningRate;
  private final double decaySteps;
  private final double decayRate;
  private final boolean staircase;
  private final String name;

  StaircaseDecay(
      String owner,
      double initialLearningRate,
      double decaySteps,
      double decayRate,
      boolean staircase,
      String name) {
    this.initialLearningRate = Checks.nonNegative(owner, "initial_learning_rate", initialLearningRate);
    this.decaySteps = Checks.positiveFloat32(owner, "decay_steps", decaySteps);
    this.decayRate = Checks.nonNegative(owner, "decay_rate", decayRate);
    this.staircase = staircase;
    this.name = name;
  }

  static <T extends StaircaseDecay> T fromConfig(String owner, ObjectNode config, Factory<T> factory) {
    ConfigReader read = ConfigReader.withKeys(owner, config, KEYS);
    return factory.create(
        read.number("initial_learning_rate"),
        read.number("decay_steps"),
        read.number("decay_rate"),
        read.bool("staircase", false),
        read.stringOrNull("name"));
  }

  /** {@code p = step / decay_steps}, floored if {@code staircase}, in float32. */
  final float progress(long step) {
    float p = Checks.stepAsFloat32(className(), step) / (float) decaySteps;
    return staircase ? F32.floor(p) : p;
  }

  @Override
  public final ObjectNode getConfig() {
    ObjectNode config = Json.object();
    config.put("initial_learning_rate", initialLearningRate);
    config.set("decay_steps", Json.count(decaySteps));
    config.put("decay_rate", decayRate);
    config.put("staircase", staircase);
    config.put("name", name);
    return config;
  }

  public final double getInitialLearningRate() {
    return initialLearningRate;
  }

  public final double getDecaySteps() {
    return decaySteps;
  }

  public final double getDecayRate() {
    return decayRate;
  }

  public final boolean isStaircase() {
    return staircase;
  }

  /** The op name, or null. */
  public final String getName() {
    return name;
  }
}
