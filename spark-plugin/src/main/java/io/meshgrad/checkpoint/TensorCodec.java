package io.meshgrad.checkpoint;

import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A tensor as length-checked raw bytes, little-endian: magic {@code MGT1}, dtype (0 float32,
 * 1 float64), rank, each dimension, then the elements row-major. No Java serialization: a file is
 * only ever read as numbers, and every length is checked against the header.
 */
final class TensorCodec {
  private static final int MAGIC = 0x3154474d; // "MGT1" little-endian
  private static final int MAX_RANK = 32;

  private TensorCodec() {}

  static byte[] encode(Tensor t) {
    int[] shape = t.shape();
    int width = t.dtype().bytes();
    ByteBuffer b = ByteBuffer.allocate(12 + 4 * shape.length + width * t.size()).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putInt(t.dtype() == DType.FLOAT32 ? 0 : 1).putInt(shape.length);
    for (int d : shape) {
      b.putInt(d);
    }
    if (t.dtype() == DType.FLOAT32) {
      b.asFloatBuffer().put(t.floats());
    } else {
      b.asDoubleBuffer().put(t.doubles());
    }
    return b.array();
  }

  /**
   * @param what names the file in errors
   * @throws IllegalStateException if the bytes are not a well-formed tensor of the expected dtype and shape
   */
  static Tensor decode(byte[] bytes, DType expectedDtype, int[] expectedShape, String what) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes.length < 12 || b.getInt() != MAGIC) {
      throw new IllegalStateException(what + " is not a meshgrad tensor file (bad header)");
    }
    int code = b.getInt();
    int rank = b.getInt();
    if ((code != 0 && code != 1) || rank < 0 || rank > MAX_RANK || bytes.length < 12 + 4 * rank) {
      throw new IllegalStateException(what + " has a corrupted header (dtype code " + code + ", rank " + rank + ")");
    }
    DType dtype = code == 0 ? DType.FLOAT32 : DType.FLOAT64;
    int[] shape = new int[rank];
    for (int i = 0; i < rank; i++) {
      shape[i] = b.getInt();
    }
    if (dtype != expectedDtype || !Arrays.equals(shape, expectedShape)) {
      throw new IllegalStateException(what + " holds " + dtype + Arrays.toString(shape) + ", the manifest says "
          + expectedDtype + Arrays.toString(expectedShape));
    }
    long n = Tensor.numElements(shape);
    long expectedLength = 12L + 4L * rank + n * dtype.bytes();
    if (bytes.length != expectedLength) {
      throw new IllegalStateException(what + " has " + bytes.length + " bytes, expected " + expectedLength
          + " (truncated or corrupted)");
    }
    if (dtype == DType.FLOAT32) {
      float[] f = new float[(int) n];
      b.asFloatBuffer().get(f);
      return Tensor.of(f, shape);
    }
    double[] d = new double[(int) n];
    b.asDoubleBuffer().get(d);
    return Tensor.of(d, shape);
  }
}
