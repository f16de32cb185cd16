package io.meshgrad.mesh;

/** Argument checks whose messages state the allowed range and the received value. */
final class Checks {
  private Checks() {}

  /** Checks {@code 0 <= value < bound}, naming {@code what} in the message. */
  static int index(String what, int value, int bound) {
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

  /** Checks that an array has the expected length, naming it and what fixes the length. */
  static void length(String what, int actual, long expected, String because) {
    if (actual != expected) {
      throw new IllegalArgumentException(
          what + " has length " + actual + ", expected " + expected + " (" + because + ")");
    }
  }
}
