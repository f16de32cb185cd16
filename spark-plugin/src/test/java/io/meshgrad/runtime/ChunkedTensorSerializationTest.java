package io.meshgrad.runtime;

import static io.meshgrad.tensor.TensorBits.assertBitsEqual;
import static io.meshgrad.tensor.TensorBits.doubles;
import static io.meshgrad.tensor.TensorBits.floats;
import static io.meshgrad.tensor.TensorBits.read;
import static io.meshgrad.tensor.TensorBits.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.tensor.BulkArrays;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.util.Random;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;

/**
 * A {@link ChunkedTensor} written with Java serialization (its raw-bytes form) or Spark's Kryo
 * reads back element for element (bit for bit: NaN payloads, -0.0, subnormals, chunks larger than
 * the copy buffer), for both dtypes, vectors, matrices with short and long rows,
 * scalars and empty tensors, also after a step replaced some chunks; and the bytes are the
 * elements' own (about 4 or 8 a value), not Java's per-element array encoding plus per-chunk
 * headers.
 */
class ChunkedTensorSerializationTest {

  private static Tensor random(DType dtype, int[] shape, long seed) {
    Random r = new Random(seed);
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextGaussian() * (i % 7 == 0 ? 1e30 : 1);
    }
    if (n > 2) {
      v[1] = Double.NaN;
      v[2] = Double.NEGATIVE_INFINITY;
    }
    return Tensor.fromDoubles(dtype, v, shape);
  }

  @Test
  void javaAndKryoRoundTripsGiveTheSameElements() throws Exception {
    SerializerInstance kryo = new KryoSerializer(new SparkConf()).newInstance();
    int[][] shapes = {{1000}, {300, 3}, {5, 200}, {}, {0}, {129}};
    for (DType dtype : DType.values()) {
      for (int[] shape : shapes) {
        ChunkedTensor t = ChunkedTensor.of(random(dtype, shape, shape.length + 31L));
        String what = dtype + " " + java.util.Arrays.toString(shape);
        ChunkedTensor viaJava = (ChunkedTensor) read(write(t));
        assertNotSame(t, viaJava);
        assertEquals(t.toTensor(), viaJava.toTensor(), what + " (Java)");
        assertEquals(t.dtype(), viaJava.dtype(), what);
        assertEquals(java.util.Arrays.toString(t.shape()), java.util.Arrays.toString(viaJava.shape()), what);
        assertEquals(t.numChunks(), viaJava.numChunks(), what);
        ChunkedTensor viaKryo = kryo.deserialize(kryo.serialize(t, scala.reflect.ClassTag$.MODULE$.apply(
            ChunkedTensor.class)), scala.reflect.ClassTag$.MODULE$.apply(ChunkedTensor.class));
        assertEquals(t.toTensor(), viaKryo.toTensor(), what + " (Kryo)");
      }
    }
  }

  @Test
  void aTensorThatSharesChunksWithItsPredecessorSerializesItsOwnValues() throws Exception {
    ChunkedTensor before = ChunkedTensor.of(random(DType.FLOAT32, new int[] {1000}, 5));
    int[] ids = {0, 3, 7}; // chunk ids, of the 8 chunks of 1000 floats
    Tensor gathered = before.gather(ids);
    float[] changed = gathered.floats().clone();
    for (int i = 0; i < changed.length; i++) {
      changed[i] += 1;
    }
    ChunkedTensor after = before.withChunks(ids, Tensor.of(changed, gathered.shape()));
    assertTrue(after.sharesChunk(before, 1), "the untouched chunks are shared");
    Object[] pair = (Object[]) read(write(new Object[] {before, after}));
    assertEquals(before.toTensor(), ((ChunkedTensor) pair[0]).toTensor());
    assertEquals(after.toTensor(), ((ChunkedTensor) pair[1]).toTensor());
  }

  @Test
  void theJavaFormIsTheRawElements() throws Exception {
    int n = 1 << 16;
    for (DType dtype : DType.values()) {
      int width = dtype == DType.FLOAT32 ? 4 : 8;
      byte[] bytes = write(ChunkedTensor.of(random(dtype, new int[] {n}, 9)));
      assertTrue(bytes.length >= (long) n * width && bytes.length < (long) n * width + 4096,
          dtype + ": " + bytes.length + " bytes for " + n + " values of " + width + " bytes");
    }
  }

  @Test
  void javaAndKryoRoundTripsKeepEveryBit() throws Exception {
    SerializerInstance kryo = new KryoSerializer(new SparkConf()).newInstance();
    scala.reflect.ClassTag<ChunkedTensor> tag = scala.reflect.ClassTag$.MODULE$.apply(ChunkedTensor.class);
    int longRow = BulkArrays.BUFFER_BYTES / Float.BYTES + 5; // a chunk of one row larger than the copy buffer
    int[][] shapes = {{1000}, {300, 3}, {3, longRow}, {}, {0}, {129}};
    for (int[] shape : shapes) {
      int n = (int) Tensor.numElements(shape);
      for (Tensor t : new Tensor[] {Tensor.of(floats(n, n + 1L), shape), Tensor.of(doubles(n, n + 2L), shape)}) {
        String what = t.dtype() + " " + java.util.Arrays.toString(shape);
        ChunkedTensor chunked = ChunkedTensor.of(t);
        assertBitsEqual(t, chunked.toTensor(), what + " (chunked)");
        assertBitsEqual(t, ((ChunkedTensor) read(write(chunked))).toTensor(), what + " (Java)");
        assertBitsEqual(t, kryo.deserialize(kryo.serialize(chunked, tag), tag).toTensor(), what + " (Kryo)");
      }
    }
  }
}
