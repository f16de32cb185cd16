package io.meshgrad.schedule;

/**
 * Argument checks shared by the schedules. Messages read
 * {@code "<Schedule>: <key> must be <rule>, got <value>"}, with Keras' snake_case key names, so that
 * the same message fits a constructor call and a config file.
 */
final class Check {
  private Check() {}

  static IllegalArgumentException error(String owner, String message) {
    return new IllegalArgumentException(owner + ": " + message);
  }

  private static IllegalArgumentException error(String owner, String key, String rule, Object got) {
    return error(owner, key + " must be " + rule + ", got " + got);
  }

  /** Finite, and still finite once rounded to float32 (the dtype Keras computes in). */
  static double finite(String owner, String key, double value) {
    if (!Double.isFinite(value) || !Float.isFinite((float) value)) {
      throw error(owner, key, "a finite float32 number", value);
    }
    return value;
  }

  static double nonNegative(String owner, String key, double value) {
    if (finite(owner, key, value) < 0) {
      throw error(owner, key, ">= 0", value);
    }
    return value;
  }

  /** Positive after rounding to float32, since the value is a divisor in float32 math. */
  static double positive(String owner, String key, double value) {
    if (!((float) finite(owner, key, value) > 0f)) {
      throw error(owner, key, "> 0", value);
    }
    return value;
  }

  static <T> T notNull(String owner, String key, T value) {
    if (value == null) {
      throw error(owner, key, "non-null", "null");
    }
    return value;
  }

  /** The optimizer's iteration count, cast to float32 as Keras does with {@code tf.cast(step, dtype)}. */
  static float step(String owner, long step) {
    if (step < 0) {
      throw error(owner, "step", ">= 0", step);
    }
    return (float) step;
  }
}
