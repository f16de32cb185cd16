package io.meshgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A {@link Tensor} or {@link IndexedSlices} written with Java serialization reads back bit for
 * bit: float32 and float64, NaNs with payloads (which {@code ObjectOutputStream}'s own per-element
 * encoding would make canonical), -0.0, infinities, subnormals, scalar and empty shapes, sizes on
 * both sides of the copy buffer; and the bytes are the elements' own (4 or 8 a value, plus the
 * stream's framing).
 */
class TensorSerializationTest {

  private static byte[] write(Object o) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(o);
    }
    return bytes.toByteArray();
  }

  private static Object read(byte[] bytes) throws IOException, ClassNotFoundException {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      return in.readObject();
    }
  }

  private static Object roundTrip(Object o) throws Exception {
    return read(write(o));
  }

  private static final float[] SPECIAL_FLOATS = {
      Float.intBitsToFloat(0x7fc00001), Float.intBitsToFloat(0xffa5a5a5), Float.intBitsToFloat(0x7f800001),
      Float.NaN, -0.0f, 0.0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MAX_VALUE, 1.5f};

  private static final double[] SPECIAL_DOUBLES = {
      Double.longBitsToDouble(0x7ff8000000000abcL), Double.longBitsToDouble(0xfff0000000000001L), Double.NaN,
      -0.0, 0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, -Double.MAX_VALUE, 1e-300};

  private static float[] floats(int n, long seed) {
    Random r = new Random(seed);
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = i < SPECIAL_FLOATS.length ? SPECIAL_FLOATS[i] : Float.intBitsToFloat(r.nextInt());
    }
    return f;
  }

  private static double[] doubles(int n, long seed) {
    Random r = new Random(seed);
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      d[i] = i < SPECIAL_DOUBLES.length ? SPECIAL_DOUBLES[i] : Double.longBitsToDouble(r.nextLong());
    }
    return d;
  }

  private static void assertBitsEqual(Tensor expected, Tensor actual, String what) {
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

  @Test
  void tensorsRoundTripBitForBit() throws Exception {
    int per = BulkArrays.BUFFER_BYTES / Float.BYTES;
    int[][] shapes = {{}, {0}, {0, 3}, {1}, {11}, {3, 4}, {per}, {per + 1}, {3, per / 2 + 5}, {2, 3, 5}};
    for (int[] shape : shapes) {
      int n = (int) Tensor.numElements(shape);
      long seed = 17 + n;
      for (Tensor t : new Tensor[] {Tensor.of(floats(n, seed), shape), Tensor.of(doubles(n, seed), shape)}) {
        String what = t.dtype() + java.util.Arrays.toString(shape);
        byte[] bytes = write(t);
        Tensor back = (Tensor) read(bytes);
        assertBitsEqual(t, back, what);
        int width = t.dtype() == DType.FLOAT32 ? 4 : 8;
        // the elements' bytes, the block-data headers of the stream (5 bytes per 1024) and the class descriptors
        assertTrue(bytes.length <= (long) n * width * 1.01 + 300, what + ": " + bytes.length + " bytes");
      }
    }
  }

  @Test
  void nanPayloadsSurviveWhereJavasOwnArrayEncodingDropsThem() throws Exception {
    float[] f = {Float.intBitsToFloat(0x7fc00001)};
    // ObjectOutputStream writes a float[] with floatToIntBits: the payload is lost
    float[] plain = (float[]) roundTrip(f.clone());
    assertEquals(0x7fc00000, Float.floatToRawIntBits(plain[0]));
    Tensor back = (Tensor) roundTrip(Tensor.of(f, 1));
    assertEquals(0x7fc00001, Float.floatToRawIntBits(back.floats()[0]));
  }

  @Test
  void sharedReferencesStayShared() throws Exception {
    Tensor t = Tensor.of(floats(5, 3), 5);
    Object[] back = (Object[]) roundTrip(new Object[] {t, t, Tensor.of(doubles(2, 4), 2)});
    assertSame(back[0], back[1]);
    assertBitsEqual(t, (Tensor) back[0], "shared");
  }

  @Test
  void indexedSlicesRoundTripBitForBit() throws Exception {
    int rows = BulkArrays.BUFFER_BYTES / Integer.BYTES + 7;
    int[] indices = new int[rows];
    for (int i = 0; i < rows; i++) {
      indices[i] = (i * 7919) % (2 * rows);
    }
    for (Tensor values : new Tensor[] {Tensor.of(floats(rows * 2, 5), rows, 2), Tensor.of(doubles(rows * 2, 6), rows, 2)}) {
      IndexedSlices s = new IndexedSlices(indices, values, 2 * rows, 2);
      IndexedSlices back = (IndexedSlices) roundTrip(s);
      assertArrayEquals(s.indices(), back.indices());
      assertArrayEquals(s.denseShape(), back.denseShape());
      assertBitsEqual(values, back.values(), "slices " + values.dtype());
    }
    IndexedSlices empty = (IndexedSlices) roundTrip(new IndexedSlices(new int[0], Tensor.zeros(DType.FLOAT32, 0, 3), 4, 3));
    assertEquals(0, empty.numRows());
    assertArrayEquals(new int[] {4, 3}, empty.denseShape());
  }

  @Test
  void aTruncatedStreamFailsToRead() throws Exception {
    byte[] bytes = write(Tensor.of(floats(100, 1), 100));
    byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 40);
    assertThrows(IOException.class, () -> read(cut));
  }

}
