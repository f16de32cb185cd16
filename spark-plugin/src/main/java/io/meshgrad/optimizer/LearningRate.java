package io.meshgrad.optimizer;

import io.meshgrad.schedule.LearningRateSchedule;
import java.io.Serializable;
import java.util.Objects;

/**
 * An optimizer's learning rate: a constant, kept in float32 as Keras keeps it in a float32
 * variable, or a {@link LearningRateSchedule} evaluated at the pre-increment iteration count.
 */
public final class LearningRate implements Serializable {
  private static final long serialVersionUID = 1L;

  private final float constant;
  private final LearningRateSchedule schedule;

  private LearningRate(float constant, LearningRateSchedule schedule) {
    this.constant = constant;
    this.schedule = schedule;
  }

  /**
   * A constant learning rate, rounded to float32.
   *
   * @throws IllegalArgumentException if it is negative or not finite
   */
  public static LearningRate constant(double value) {
    if (!Double.isFinite(value) || value < 0) {
      throw new IllegalArgumentException("learning_rate must be a finite number >= 0 or a "
          + "LearningRateSchedule, got " + value);
    }
    return new LearningRate((float) value, null);
  }

  /** A scheduled learning rate. */
  public static LearningRate schedule(LearningRateSchedule schedule) {
    return new LearningRate(Float.NaN, Objects.requireNonNull(schedule, "schedule"));
  }

  public boolean isScheduled() {
    return schedule != null;
  }

  /** The schedule, or {@code null} for a constant. */
  public LearningRateSchedule scheduleOrNull() {
    return schedule;
  }

  /** The float32 learning rate of the update made after {@code iteration} completed updates. */
  public float valueAt(long iteration) {
    return schedule != null ? schedule.valueAt(iteration) : constant;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LearningRate lr && Objects.equals(schedule, lr.schedule)
        && (schedule != null || Float.compare(constant, lr.constant) == 0);
  }

  @Override
  public int hashCode() {
    return schedule != null ? schedule.hashCode() : Float.hashCode(constant);
  }

  @Override
  public String toString() {
    return schedule != null ? schedule.toString() : Float.toString(constant);
  }
}
