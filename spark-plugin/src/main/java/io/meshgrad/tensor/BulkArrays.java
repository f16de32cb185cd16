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
 *
 * <p>Each method has a form that takes the buffer from the caller ({@link #buffer}), for one that
 * writes or reads many arrays in a row (a chunked tensor's chunks); the others allocate one per
 * call. Arrays written one after another read back the same whichever form wrote them: the stream
 * holds only their elements' bytes.
 */
public final class BulkArrays {
  /** The most bytes copied through the buffer at once. */
  public static final int BUFFER_BYTES = 1 << 16;

  private BulkArrays() {}

  /**
   * A buffer for the methods that take one, for arrays of at most {@code largestArrayBytes} bytes:
   * no larger than that (nor than {@value #BUFFER_BYTES} bytes), little-endian.
   */
  public static ByteBuffer buffer(long largestArrayBytes) {
    return ByteBuffer.allocate((int) Math.min(BUFFER_BYTES, Math.max(largestArrayBytes, 8)))
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Copies elements {@code [from, from + n)} of an array into or out of the buffer's start, as its element type. */
  @FunctionalInterface
  private interface Piece {
    void copy(ByteBuffer buffer, int from, int n);
  }

  private static void write(ObjectOutput out, int length, int width, ByteBuffer b, Piece put) throws IOException {
    int per = piece(b, width);
    for (int from = 0; from < length; from += per) {
      int n = Math.min(per, length - from);
      b.clear();
      put.copy(b, from, n);
      out.write(b.array(), 0, n * width);
    }
  }

  private static void read(ObjectInput in, int length, int width, ByteBuffer b, Piece get) throws IOException {
    int per = piece(b, width);
    for (int from = 0; from < length; from += per) {
      int n = Math.min(per, length - from);
      in.readFully(b.array(), 0, n * width);
      b.clear();
      get.copy(b, from, n);
    }
  }

  /** Elements of {@code width} bytes that go through {@code b} at once. */
  private static int piece(ByteBuffer b, int width) {
    if (!b.hasArray() || b.arrayOffset() != 0 || b.order() != ByteOrder.LITTLE_ENDIAN || b.capacity() < width) {
      throw new IllegalArgumentException("buffer must be a little-endian heap buffer of at least " + width
          + " bytes (see BulkArrays.buffer), got " + b);
    }
    return b.capacity() / width;
  }

  /** Writes {@code a}'s elements. */
  public static void writeFloats(ObjectOutput out, float[] a) throws IOException {
    writeFloats(out, a, buffer((long) a.length * Float.BYTES));
  }

  /** Writes {@code a}'s elements through {@code buffer} (see {@link #buffer}). */
  public static void writeFloats(ObjectOutput out, float[] a, ByteBuffer buffer) throws IOException {
    write(out, a.length, Float.BYTES, buffer, (b, from, n) -> b.asFloatBuffer().put(a, from, n));
  }

  /** Reads {@code length} elements that {@link #writeFloats} wrote. */
  public static float[] readFloats(ObjectInput in, int length) throws IOException {
    return readFloats(in, length, buffer((long) length * Float.BYTES));
  }

  /** Reads {@code length} elements that {@link #writeFloats} wrote, through {@code buffer} (see {@link #buffer}). */
  public static float[] readFloats(ObjectInput in, int length, ByteBuffer buffer) throws IOException {
    float[] a = new float[length];
    read(in, length, Float.BYTES, buffer, (b, from, n) -> b.asFloatBuffer().get(a, from, n));
    return a;
  }

  /** Writes {@code a}'s elements. */
  public static void writeDoubles(ObjectOutput out, double[] a) throws IOException {
    writeDoubles(out, a, buffer((long) a.length * Double.BYTES));
  }

  /** Writes {@code a}'s elements through {@code buffer} (see {@link #buffer}). */
  public static void writeDoubles(ObjectOutput out, double[] a, ByteBuffer buffer) throws IOException {
    write(out, a.length, Double.BYTES, buffer, (b, from, n) -> b.asDoubleBuffer().put(a, from, n));
  }

  /** Reads {@code length} elements that {@link #writeDoubles} wrote. */
  public static double[] readDoubles(ObjectInput in, int length) throws IOException {
    return readDoubles(in, length, buffer((long) length * Double.BYTES));
  }

  /** Reads {@code length} elements that {@link #writeDoubles} wrote, through {@code buffer} (see {@link #buffer}). */
  public static double[] readDoubles(ObjectInput in, int length, ByteBuffer buffer) throws IOException {
    double[] a = new double[length];
    read(in, length, Double.BYTES, buffer, (b, from, n) -> b.asDoubleBuffer().get(a, from, n));
    return a;
  }

  /** Writes {@code a}'s elements. */
  public static void writeInts(ObjectOutput out, int[] a) throws IOException {
    write(out, a.length, Integer.BYTES, buffer((long) a.length * Integer.BYTES),
        (b, from, n) -> b.asIntBuffer().put(a, from, n));
  }

  /** Reads {@code length} elements that {@link #writeInts} wrote. */
  public static int[] readInts(ObjectInput in, int length) throws IOException {
    int[] a = new int[length];
    read(in, length, Integer.BYTES, buffer((long) length * Integer.BYTES),
        (b, from, n) -> b.asIntBuffer().get(a, from, n));
    return a;
  }
}
