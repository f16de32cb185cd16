package io.meshgrad.tensor;

import static io.meshgrad.tensor.TensorBits.assertBitsEqual;
import static io.meshgrad.tensor.TensorBits.doubles;
import static io.meshgrad.tensor.TensorBits.floats;
import static io.meshgrad.tensor.TensorBits.read;
import static io.meshgrad.tensor.TensorBits.roundTrip;
import static io.meshgrad.tensor.TensorBits.write;
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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * A {@link Tensor} or {@link IndexedSlices} written with Java serialization reads back bit for
 * bit: float32 and float64, NaNs with payloads (which {@code ObjectOutputStream}'s own per-element
 * encoding would make canonical), -0.0, infinities, subnormals, scalar and empty shapes, sizes on
 * both sides of the copy buffer; and the bytes are the elements' own (4 or 8 a value, plus the
 * stream's framing).
 */
class TensorSerializationTest {

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

  @Test
  void aCallersBufferWritesTheSameBytesAndReadsBackBitForBit() throws Exception {
    int n = BulkArrays.BUFFER_BYTES / Double.BYTES + 3;
    float[] f = floats(n, 8);
    double[] d = doubles(n, 9);
    ByteArrayOutputStream viaCallers = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(viaCallers)) {
      ByteBuffer small = BulkArrays.buffer(24); // smaller than the arrays: many pieces
      BulkArrays.writeFloats(out, f, small);
      BulkArrays.writeDoubles(out, d, small);
    }
    ByteArrayOutputStream viaOwn = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(viaOwn)) {
      BulkArrays.writeFloats(out, f);
      BulkArrays.writeDoubles(out, d);
    }
    assertArrayEquals(viaOwn.toByteArray(), viaCallers.toByteArray());
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(viaCallers.toByteArray()))) {
      ByteBuffer b = BulkArrays.buffer(Long.MAX_VALUE);
      assertBitsEqual(Tensor.of(f, n), Tensor.of(BulkArrays.readFloats(in, n, b), n), "floats");
      assertBitsEqual(Tensor.of(d, n), Tensor.of(BulkArrays.readDoubles(in, n, b), n), "doubles");
    }
  }

  @Test
  void aBufferThatIsNotLittleEndianIsRefused() throws Exception {
    ByteBuffer bigEndian = ByteBuffer.allocate(64);
    try (ObjectOutputStream out = new ObjectOutputStream(new ByteArrayOutputStream())) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> BulkArrays.writeFloats(out, new float[] {1}, bigEndian));
      assertTrue(e.getMessage().startsWith("buffer must be a little-endian heap buffer"), e.getMessage());
      BulkArrays.writeFloats(out, new float[] {1}, bigEndian.order(ByteOrder.LITTLE_ENDIAN));
    }
  }
}
