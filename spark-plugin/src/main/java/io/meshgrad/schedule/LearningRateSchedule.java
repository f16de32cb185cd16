package io.meshgrad.schedule;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.util.Objects;

/**
 * Keras' {@code keras.optimizers.schedules.LearningRateSchedule}: the learning rate as a function of
 * the optimizer's iteration count.
 *
 * <p>Implementations are immutable and {@link Serializable} (they are shipped to Spark executors), so
 * they hold plain Java values, never Jackson nodes. A custom schedule subclasses this class, and
 * {@link Schedules#serialize} works for it through {@link #className()} and {@link #getConfig()};
 * register it with {@link Schedules#register} so that configs naming it can be loaded.
 *
 * <p>{@link #equals}, {@link #hashCode} and {@link #toString} are by value: two schedules are equal
 * when they have the same class and equal configs. A subclass whose config does not capture all of
 * its state must override them.
 */
public abstract class LearningRateSchedule implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Keras' {@code __call__(step)}: the learning rate for the update made after {@code step} updates
   * have completed (the optimizer passes its iteration count before incrementing it, so the first
   * update uses {@code valueAt(0)}). The built-in schedules compute in float32 with Keras' order of
   * operations, as Keras does for a Python-float {@code initial_learning_rate}; pow, cos and log may
   * differ from TensorFlow's kernels in the last bit.
   *
   * @throws IllegalArgumentException if {@code step} is negative
   */
  public abstract float valueAt(long step);

  /** The Keras class name, e.g. {@code "ExponentialDecay"}; the {@code class_name} of a serialized schedule. */
  public abstract String className();

  /**
   * Keras' {@code get_config()}: exactly Keras' keys in Keras' order, with the values as given (an
   * {@code initial_learning_rate} of 0.01 stays the double 0.01, a null name is JSON null; the
   * built-ins write whole-number step counts and boundaries as JSON integers, as Keras users write
   * them). Each call returns a new node that the caller may modify.
   */
  public abstract ObjectNode getConfig();

  @Override
  public boolean equals(Object other) {
    return other == this
        || other != null
            && other.getClass() == getClass()
            && getConfig().equals(((LearningRateSchedule) other).getConfig());
  }

  @Override
  public int hashCode() {
    return Objects.hash(className(), getConfig());
  }

  /** {@code ClassName{config as JSON}}. */
  @Override
  public String toString() {
    return className() + getConfig();
  }
}
