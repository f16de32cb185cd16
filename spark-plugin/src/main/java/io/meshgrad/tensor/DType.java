package io.meshgrad.tensor;

import java.util.Locale;

/**
 * Floating-point type of a variable, its slots and its gradients. Arithmetic on a tensor is done
 * in its dtype, as TensorFlow does: every operation on a {@link #FLOAT32} tensor rounds to float32.
 */
public enum DType {
  FLOAT32("float32"),
  FLOAT64("float64");

  private final String kerasName;

  DType(String kerasName) {
    this.kerasName = kerasName;
  }

  /** Bytes of one element: 4 for {@link #FLOAT32}, 8 for {@link #FLOAT64}. */
  public int bytes() {
    return this == FLOAT32 ? Float.BYTES : Double.BYTES;
  }

  /** The TensorFlow/Keras name: {@code "float32"} or {@code "float64"}. */
  public String kerasName() {
    return kerasName;
  }

  /** Rounds a double to this dtype (the value of {@code tf.cast(x, dtype)}), returned widened. */
  public double round(double x) {
    return this == FLOAT32 ? (double) (float) x : x;
  }

  /**
   * Parses {@code float32}/{@code float64} (also {@code float}/{@code double}).
   *
   * @throws IllegalArgumentException naming the allowed values
   */
  public static DType parse(String name) {
    if (name != null) {
      switch (name.trim().toLowerCase(Locale.ROOT)) {
        case "float32", "float" -> { return FLOAT32; }
        case "float64", "double" -> { return FLOAT64; }
        default -> { }
      }
    }
    throw new IllegalArgumentException(
        "dtype must be one of float32, float64; got " + (name == null ? "null" : "'" + name + "'"));
  }

  @Override
  public String toString() {
    return kerasName;
  }
}
