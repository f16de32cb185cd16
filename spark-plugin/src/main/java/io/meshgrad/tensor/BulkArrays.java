package io.meshgrad.tensor;

import java.io.IOException;
import java.io.ObjectInput;
import java.io.ObjectOutput;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Primitive arrays in a Java-serialized form as raw little-endian bytes, copied in bulk through a
 * buffer of at most {@value #BUFFER_BYTES} bytes ({@code ObjectOutputStream} writes a {@code
 * float[]}, {@code double[]} or {@code int[]} one element at a time, and reads it back so). Every
 * bit is kept, NaN payloads included. The caller writes the length (a tensor's shape) itself.
 */
public final class BulkArrays {
  /** The most bytes copied through the buffer at once. */
  public static final int BUFFER_BYTES = 1 << 16;

  private BulkArrays() {}

  private static ByteBuffer buffer(long bytes) {
    return ByteBuffer.allocate((int) Math.min(BUFFER_BYTES, Math.max(bytes, 8))).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Writes {@code a}'s elements. */
  public static void writeFloats(ObjectOutput out, float[] a) throws IOException {
    ByteBuffer b = buffer((long) a.length * Float.BYTES);
    int per = b.capacity() / Float.BYTES;
    for (int from = 0; from < a.length; from += per) {
      int n = Math.min(per, a.length - from);
      b.clear();
      b.asFloatBuffer().put(a, from, n);
      out.write(b.array(), 0, n * Float.BYTES);
    }
  }

  /** Reads {@code length} elements that {@link #writeFloats} wrote. */
  public static float[] readFloats(ObjectInput in, int length) throws IOException {
    float[] a = new float[length];
    ByteBuffer b = buffer((long) length * Float.BYTES);
    int per = b.capacity() / Float.BYTES;
    for (int from = 0; from < length; from += per) {
      int n = Math.min(per, length - from);
      in.readFully(b.array(), 0, n * Float.BYTES);
      b.clear();
      b.asFloatBuffer().get(a, from, n);
    }
    return a;
  }

  /** Writes {@code a}'s elements. */
  public static void writeDoubles(ObjectOutput out, double[] a) throws IOException {
    ByteBuffer b = buffer((long) a.length * Double.BYTES);
    int per = b.capacity() / Double.BYTES;
    for (int from = 0; from < a.length; from += per) {
      int n = Math.min(per, a.length - from);
      b.clear();
      b.asDoubleBuffer().put(a, from, n);
      out.write(b.array(), 0, n * Double.BYTES);
    }
  }

  /** Reads {@code length} elements that {@link #writeDoubles} wrote. */
  public static double[] readDoubles(ObjectInput in, int length) throws IOException {
    double[] a = new double[length];
    ByteBuffer b = buffer((long) length * Double.BYTES);
    int per = b.capacity() / Double.BYTES;
    for (int from = 0; from < length; from += per) {
      int n = Math.min(per, length - from);
      in.readFully(b.array(), 0, n * Double.BYTES);
      b.clear();
      b.asDoubleBuffer().get(a, from, n);
    }
    return a;
  }

  /** Writes {@code a}'s elements. */
  public static void writeInts(ObjectOutput out, int[] a) throws IOException {
    ByteBuffer b = buffer((long) a.length * Integer.BYTES);
    int per = b.capacity() / Integer.BYTES;
    for (int from = 0; from < a.length; from += per) {
      int n = Math.min(per, a.length - from);
      b.clear();
      b.asIntBuffer().put(a, from, n);
      out.write(b.array(), 0, n * Integer.BYTES);
    }
  }

  /** Reads {@code length} elements that {@link #writeInts} wrote. */
  public static int[] readInts(ObjectInput in, int length) throws IOException {
    int[] a = new int[length];
    ByteBuffer b = buffer((long) length * Integer.BYTES);
    int per = b.capacity() / Integer.BYTES;
    for (int from = 0; from < length; from += per) {
      int n = Math.min(per, length - from);
      in.readFully(b.array(), 0, n * Integer.BYTES);
      b.clear();
      b.asIntBuffer().get(a, from, n);
    }
    return a;
  }
}
