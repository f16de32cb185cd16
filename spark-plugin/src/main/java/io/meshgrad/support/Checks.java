package io.meshgrad.support;

/**
 * Argument checks for the whole library; each message states what was expected and what was
 * received. Two families: plain checks ({@link #require}, {@link #length}, {@link #index}) whose
 * message is the argument's; and the checks of a Keras config value, whose messages read {@code
 * "<owner>: <key> must be <rule>, got <value>"} with Keras' snake_case key names, so that the same
 * message fits a constructor call and a config file.
 */
public final class Checks {
  private Checks() {}

  /**
   * Throws an {@link IllegalArgumentException} with {@code message} unless {@code condition}.
   */
  public static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Checks that {@code array} is non-null and of length {@code expected}, naming it {@code name}. */
  public static void length(double[] array, int expected, String name) {
    if (array == null) {
      throw new IllegalArgumentException(name + " must have length " + expected + ", got null");
    }
    if (array.length != expected) {
      throw new IllegalArgumentException(
          name + " must have length " + expected + ", got length " + array.length);
    }
  }

  /** Checks that an array has the expected length, naming it and what fixes the length. */
  public static void length(String what, int actual, long expected, String because) {
    if (actual != expected) {
      throw new IllegalArgumentException(
          what + " has length " + actual + ", expected " + expected + " (" + because + ")");
    }
  }

  /** Checks {@code 0 <= value < bound}, naming {@code what} in the message; returns {@code value}. */
  public static int index(String what, int value, int bound) {
    if (value < 0 || value >= bound) {
      throw new IllegalArgumentException(
          what
              + " must be in [0, "
              + bound
              + ")"
              + (bound == 0 ? " (which is empty)" : "")
              + ", got "
              + value);
    }
    return value;
  }

  // ---------------------------------------------------------------- Keras config values

  /** An {@link IllegalArgumentException} reading {@code "<owner>: <message>"}. */
  public static IllegalArgumentException error(String owner, String message) {
    return new IllegalArgumentException(owner + ": " + message);
  }

  private static IllegalArgumentException error(String owner, String key, String rule, Object got) {
    return error(owner, key + " must be " + rule + ", got " + got);
  }

  /** Finite, and still finite once rounded to float32 (the dtype Keras computes in). */
  public static double finiteFloat32(String owner, String key, double value) {
    if (!Double.isFinite(value) || !Float.isFinite((float) value)) {
      throw error(owner, key, "a finite float32 number", value);
    }
    return value;
  }

  /** {@link #finiteFloat32} and {@code >= 0}. */
  public static double nonNegative(String owner, String key, double value) {
    if (finiteFloat32(owner, key, value) < 0) {
      throw error(owner, key, ">= 0", value);
    }
    return value;
  }

  /** Positive after rounding to float32, since the value is a divisor in float32 math. */
  public static double positiveFloat32(String owner, String key, double value) {
    if (!((float) finiteFloat32(owner, key, value) > 0f)) {
      throw error(owner, key, "> 0", value);
    }
    return value;
  }

  /** Checks that {@code value} is non-null; returns it. */
  public static <T> T notNull(String owner, String key, T value) {
    if (value == null) {
      throw error(owner, key, "non-null", "null");
    }
    return value;
  }

  /** The optimizer's iteration count, cast to float32 as Keras does with {@code tf.cast(step, dtype)}. */
  public static float stepAsFloat32(String owner, long step) {
    if (step < 0) {
      throw error(owner, "step", ">= 0", step);
    }
    return (float) step;
  }
}
