package io.meshgrad.schedule;

/**
 * Float32 versions of the TensorFlow ops the schedules use. Keras evaluates every schedule in the
 * dtype of {@code initial_learning_rate}, float32 for a Python float, so each op rounds to float;
 * Java's {@code float} arithmetic already does that for + - * /, and the functions below round the
 * double result of {@link Math} once.
 */
final class F32 {
  /** {@code tf.constant(math.pi, dtype=tf.float32)}. */
  static final float PI = (float) Math.PI;

  private F32() {}

  static float pow(float base, float exponent) {
    return (float) Math.pow(base, exponent);
  }

  static float cos(float x) {
    return (float) Math.cos(x);
  }

  static float log(float x) {
    return (float) Math.log(x);
  }

  static float floor(float x) {
    return (float) Math.floor(x);
  }

  static float ceil(float x) {
    return (float) Math.ceil(x);
  }
}
