package io.meshgrad.loss;

/** Argument checks whose messages state what was expected and what was received. */
final class Requires {
  private Requires() {}

  static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  static void length(double[] array, int expected, String name) {
    if (array == null) {
      throw new IllegalArgumentException(name + " must have length " + expected + ", got null");
    }
    if (array.length != expected) {
      throw new IllegalArgumentException(
          name + " must have length " + expected + ", got length " + array.length);
    }
  }

  /** Checks an intercept / intercept-gradient pair: both null, or both of length {@code k}. */
  static void interceptPair(double[] intercept, double[] interceptGrad, int k) {
    if (intercept == null || interceptGrad == null) {
      require(
          intercept == null && interceptGrad == null,
          "intercept and interceptGrad must both be null (no intercept) or both non-null, got "
              + (intercept == null ? "null" : "an array")
              + " and "
              + (interceptGrad == null ? "null" : "an array"));
      return;
    }
    length(intercept, k, "intercept");
    length(interceptGrad, k, "interceptGrad");
  }
}
