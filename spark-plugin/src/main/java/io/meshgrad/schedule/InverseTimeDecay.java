package io.meshgrad.schedule;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Keras' {@code InverseTimeDecay(initial_learning_rate, decay_steps, decay_rate, staircase=False,
 * name=None)}, in float32:
 *
 * <pre>
 * p  = step / decay_steps            # floor(p) if staircase
 * lr = initial_learning_rate / (1 + decay_rate * p)
 * </pre>
 */
public final class InverseTimeDecay extends StaircaseDecay {
  private static final long serialVersionUID = 1L;
  private static final String NAME = "InverseTimeDecay";

  /**
   * @param initialLearningRate finite, {@code >= 0}
   * @param decaySteps finite, {@code > 0}
   * @param decayRate finite, {@code >= 0}
   * @param staircase decay at whole multiples of {@code decaySteps} only
   * @param name Keras' op name, or null; kept for the config only
   * @throws IllegalArgumentException if a number is out of range
   */
  public InverseTimeDecay(
      double initialLearningRate, double decaySteps, double decayRate, boolean staircase, String name) {
    super(NAME, initialLearningRate, decaySteps, decayRate, staircase, name);
  }

  /** With Keras' defaults {@code staircase=False, name=None}. */
  public InverseTimeDecay(double initialLearningRate, double decaySteps, double decayRate) {
    this(initialLearningRate, decaySteps, decayRate, false, null);
  }

  /**
   * Keras' {@code from_config}: the inverse of {@link #getConfig()}.
   *
   * @throws IllegalArgumentException on an unknown or missing key, a value of the wrong JSON type, or
   *     a number out of range
   */
  public static InverseTimeDecay fromConfig(ObjectNode config) {
    return fromConfig(NAME, config, InverseTimeDecay::new);
  }

  @Override
  public float valueAt(long step) {
    return (float) getInitialLearningRate() / (1f + (float) getDecayRate() * progress(step));
  }

  @Override
  public String className() {
    return NAME;
  }
}
