package io.meshgrad.tensor;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;

/**
 * A dense, row-major array of float32 or float64 numbers with a shape. The storage is a plain
 * {@code float[]} or {@code double[]} so that kernels run over primitive arrays; a variable's
 * tensor is updated in place by the in-process optimizer.
 *
 * <p>Java serialization (task closures, task results, broadcasts) writes the elements as raw
 * little-endian bytes in bulk ({@link Serialized}), every bit kept, NaN payloads included. The form
 * is for data in flight only: nothing persistent is written with it (optimizer checkpoints use
 * their own codec, saved models their stage writers).
 */
public final class Tensor implements Gradient, Serializable {
  private static final long serialVersionUID = 1L;

  private final DType dtype;
  private final int[] shape;
  private final float[] floats;
  private final double[] doubles;

  private Tensor(DType dtype, int[] shape, float[] floats, double[] doubles) {
    this.dtype = dtype;
    this.shape = shape.clone();
    this.floats = floats;
    this.doubles = doubles;
    long expected = numElements(this.shape);
    int actual = floats != null ? floats.length : doubles.length;
    if (expected != actual) {
      throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " needs "
          + expected + " values, got " + actual);
    }
  }

  /** Wraps a float32 array (not copied). */
  public static Tensor of(float[] values, int... shape) {
    return new Tensor(DType.FLOAT32, shape, values, null);
  }

  /** Wraps a float64 array (not copied). */
  public static Tensor of(double[] values, int... shape) {
    return new Tensor(DType.FLOAT64, shape, null, values);
  }

  /** A tensor of the given dtype holding {@code values} rounded to it. */
  public static Tensor fromDoubles(DType dtype, double[] values, int... shape) {
    if (dtype == DType.FLOAT64) {
      return of(values.clone(), shape);
    }
    float[] f = new float[values.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) values[i];
    }
    return of(f, shape);
  }

  /** A tensor filled with {@code value} rounded to the dtype ({@code tf.constant(value, dtype, shape)}). */
  public static Tensor filled(DType dtype, double value, int... shape) {
    int n = Math.toIntExact(numElements(shape));
    if (dtype == DType.FLOAT32) {
      float[] f = new float[n];
      Arrays.fill(f, (float) value);
      return of(f, shape);
    }
    double[] d = new double[n];
    Arrays.fill(d, value);
    return of(d, shape);
  }

  /** A tensor of zeros. */
  public static Tensor zeros(DType dtype, int... shape) {
    return filled(dtype, 0.0, shape);
  }

  /** Number of elements of a shape (1 for a scalar). */
  public static long numElements(int[] shape) {
    long n = 1;
    for (int s : shape) {
      if (s < 0) {
        throw new IllegalArgumentException("shape dimensions must be >= 0, got " + Arrays.toString(shape));
      }
      n *= s;
    }
    return n;
  }

  @Override
  public DType dtype() {
    return dtype;
  }

  /** A copy of the shape. */
  public int[] shape() {
    return shape.clone();
  }

  @Override
  public int[] denseShape() {
    return shape();
  }

  public int rank() {
    return shape.length;
  }

  public int size() {
    return floats != null ? floats.length : doubles.length;
  }

  /** The bytes of the elements: {@link #size()} times the dtype's element width. */
  public long byteSize() {
    return (long) size() * dtype().bytes();
  }

  /** Elements per index of axis 0 (1 for rank 0 and 1). */
  public int rowLength() {
    int n = 1;
    for (int i = 1; i < shape.length; i++) {
      n *= shape[i];
    }
    return n;
  }

  /** The live float32 storage. */
  public float[] floats() {
    if (floats == null) {
      throw new IllegalStateException("tensor is " + dtype + ", not float32");
    }
    return floats;
  }

  /** The live float64 storage. */
  public double[] doubles() {
    if (doubles == null) {
      throw new IllegalStateException("tensor is " + dtype + ", not float64");
    }
    return doubles;
  }

  /** Element {@code i} (row-major), widened to double. */
  public double get(int i) {
    return floats != null ? floats[i] : doubles[i];
  }

  /** All elements widened to double (a copy). */
  public double[] toDoubleArray() {
    if (doubles != null) {
      return doubles.clone();
    }
    double[] d = new double[floats.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = floats[i];
    }
    return d;
  }

  /** A deep copy. */
  public Tensor copy() {
    return floats != null ? of(floats.clone(), shape) : of(doubles.clone(), shape);
  }

  /** Overwrites this tensor's elements with {@code source}'s (same dtype and shape). */
  public void copyFrom(Tensor source) {
    requireSameLayout(source, "source");
    if (floats != null) {
      System.arraycopy(source.floats, 0, floats, 0, floats.length);
    } else {
      System.arraycopy(source.doubles, 0, doubles, 0, doubles.length);
    }
  }

  /** Whether {@code other} has this tensor's dtype and shape. */
  public boolean sameLayout(Tensor other) {
    return dtype == other.dtype && Arrays.equals(shape, other.shape);
  }

  /** Throws unless {@code other} has this tensor's dtype and shape. */
  public void requireSameLayout(Tensor other, String what) {
    if (!sameLayout(other)) {
      throw new IllegalArgumentException(what + " must be " + dtype + Arrays.toString(shape)
          + ", got " + other.dtype + Arrays.toString(other.shape));
    }
  }

  @Override
  public Tensor values() {
    return this;
  }

  @Override
  public Tensor withValues(Tensor newValues) {
    requireSameLayout(newValues, "values");
    return newValues;
  }

  /** Bit-for-bit equality of dtype, shape and elements (NaN equals NaN). */
  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t && sameLayout(t)
        && (floats != null ? Arrays.equals(floats, t.floats) : Arrays.equals(doubles, t.doubles));
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + (floats != null ? Arrays.hashCode(floats) : Arrays.hashCode(doubles));
  }

  @Override
  public String toString() {
    String body = floats != null ? Arrays.toString(floats) : Arrays.toString(doubles);
    if (body.length() > 200) {
      body = body.substring(0, 200) + "...]";
    }
    return "Tensor(" + dtype + Arrays.toString(shape) + ", " + body + ")";
  }

  // ------------------------------------------------------------------ Java serialization

  private Object writeReplace() {
    return new Serialized(this);
  }

  private void readObject(ObjectInputStream in) throws InvalidObjectException {
    throw new InvalidObjectException("a Tensor is read through its serialized form");
  }

  /**
   * The serialized form of a {@link Tensor}: dtype, shape, then the elements as little-endian
   * bytes, copied in bulk ({@code ObjectOutputStream} writes a {@code float[]} one element at a
   * time). Reading gives the same tensor bit for bit.
   */
  private static final class Serialized implements Serializable {
    private static final long serialVersionUID = 1L;

    private transient Tensor tensor;

    Serialized(Tensor tensor) {
      this.tensor = tensor;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
      out.writeObject(tensor.dtype);
      out.writeObject(tensor.shape);
      if (tensor.floats != null) {
        BulkArrays.writeFloats(out, tensor.floats);
      } else {
        BulkArrays.writeDoubles(out, tensor.doubles);
      }
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      DType dtype = (DType) in.readObject();
      int[] shape = (int[]) in.readObject();
      long n = numElements(shape);
      if (dtype == null || n > Integer.MAX_VALUE) {
        throw new InvalidObjectException("a serialized Tensor of dtype " + dtype + " and shape "
            + Arrays.toString(shape));
      }
      tensor = dtype == DType.FLOAT32 ? of(BulkArrays.readFloats(in, (int) n), shape)
          : of(BulkArrays.readDoubles(in, (int) n), shape);
    }

    private Object readResolve() {
      return tensor;
    }
  }
}
