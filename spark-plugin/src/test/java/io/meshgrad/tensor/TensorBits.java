package io.meshgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;

/**
 * For tests of serialized forms that must keep every bit: Java serialization to and from bytes,
 * elements that Java's own per-element encoding would change (NaNs with payloads, -0.0,
 * infinities, subnormals) followed by random bit patterns, and a comparison bit for bit.
 */
public final class TensorBits {
  private TensorBits() {}

  /** {@code o} written with Java serialization. */
  public static byte[] write(Object o) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(o);
    }
    return bytes.toByteArray();
  }

  /** The object Java serialization wrote into {@code bytes}. */
  public static Object read(byte[] bytes) throws IOException, ClassNotFoundException {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      return in.readObject();
    }
  }

  /** {@code o} written and read back with Java serialization. */
  public static Object roundTrip(Object o) throws Exception {
    return read(write(o));
  }

  private static final float[] SPECIAL_FLOATS = {
      Float.intBitsToFloat(0x7fc00001), Float.intBitsToFloat(0xffa5a5a5), Float.intBitsToFloat(0x7f800001),
      Float.NaN, -0.0f, 0.0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MAX_VALUE, 1.5f};

  private static final double[] SPECIAL_DOUBLES = {
      Double.longBitsToDouble(0x7ff8000000000abcL), Double.longBitsToDouble(0xfff0000000000001L), Double.NaN,
      -0.0, 0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, -Double.MAX_VALUE, 1e-300};

  /** {@code n} floats: the special values first, then random bit patterns from {@code seed}. */
  public static float[] floats(int n, long seed) {
    Random r = new Random(seed);
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = i < SPECIAL_FLOATS.length ? SPECIAL_FLOATS[i] : Float.intBitsToFloat(r.nextInt());
    }
    return f;
  }

  /** {@code n} doubles: the special values first, then random bit patterns from {@code seed}. */
  public static double[] doubles(int n, long seed) {
    Random r = new Random(seed);
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      d[i] = i < SPECIAL_DOUBLES.length ? SPECIAL_DOUBLES[i] : Double.longBitsToDouble(r.nextLong());
    }
    return d;
  }

  /** Asserts the same dtype, shape and elements bit for bit (raw bits: NaN payloads count). */
  public static void assertBitsEqual(Tensor expected, Tensor actual, String what) {
    assertEquals(expected.dtype(), actual.dtype(), what);
    assertArrayEquals(expected.shape(), actual.shape(), what);
    if (expected.dtype() == DType.FLOAT32) {
      for (int i = 0; i < expected.size(); i++) {
        assertEquals(Float.floatToRawIntBits(expected.floats()[i]), Float.floatToRawIntBits(actual.floats()[i]),
            what + " element " + i);
      }
    } else {
      for (int i = 0; i < expected.size(); i++) {
        assertEquals(Double.doubleToRawLongBits(expected.doubles()[i]), Double.doubleToRawLongBits(actual.doubles()[i]),
            what + " element " + i);
      }
    }
  }
}
