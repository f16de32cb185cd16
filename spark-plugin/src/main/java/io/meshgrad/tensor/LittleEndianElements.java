package io.meshgrad.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * float32 and float64 elements as little-endian bytes, the element encoding of meshgrad's own
 * files (lineage cuts' chunk files, checkpoints' chunk files).
 */
public final class LittleEndianElements {
  private LittleEndianElements() {}

  /** Elements {@code [from, to)} of {@code array} (a {@code float[]} or {@code double[]}) as bytes. */
  public static byte[] encode(Object array, int from, int to) {
    if (array instanceof float[] f) {
      ByteBuffer b = ByteBuffer.allocate((to - from) * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(f, from, to - from);
      return b.array();
    }
    double[] d = (double[]) array;
    ByteBuffer b = ByteBuffer.allocate((to - from) * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.asDoubleBuffer().put(d, from, to - from);
    return b.array();
  }

  /** {@code n} elements of {@code dtype} from {@code bytes} at {@code offset}: a {@code float[]} or {@code double[]}. */
  public static Object decode(byte[] bytes, int offset, DType dtype, int n) {
    ByteBuffer b = ByteBuffer.wrap(bytes, offset, n * dtype.bytes()).slice().order(ByteOrder.LITTLE_ENDIAN);
    if (dtype == DType.FLOAT32) {
      float[] f = new float[n];
      b.asFloatBuffer().get(f);
      return f;
    }
    double[] d = new double[n];
    b.asDoubleBuffer().get(d);
    return d;
  }
}
