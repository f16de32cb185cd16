package io.meshgrad.tensor;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A sparse gradient of rows along axis 0, like {@code tf.IndexedSlices}: row {@code r} of
 * {@code values} belongs to row {@code indices[r]} of a tensor of shape {@code denseShape}.
 * Indices may repeat; {@link #deduplicate()} sums repeated rows as Keras does before an update.
 *
 * <p>Java serialization writes the indices, like the values ({@link Tensor}), as raw bytes in bulk
 * ({@link Serialized}); the form is for data in flight only.
 */
public final class IndexedSlices implements Gradient, Serializable {
  private static final long serialVersionUID = 1L;

  private final int[] indices;
  private final Tensor values;
  private final int[] denseShape;

  /**
   * @param indices row indices into axis 0 of the dense tensor, each in {@code [0, denseShape[0])}
   * @param values {@code indices.length} rows, shape {@code [indices.length, denseShape[1:]...]}
   * @param denseShape shape of the dense tensor (rank >= 1)
   */
  public IndexedSlices(int[] indices, Tensor values, int... denseShape) {
    if (denseShape.length == 0) {
      throw new IllegalArgumentException("IndexedSlices need a dense shape of rank >= 1, got []");
    }
    int[] expected = denseShape.clone();
    expected[0] = indices.length;
    if (!Arrays.equals(values.shape(), expected)) {
      throw new IllegalArgumentException("IndexedSlices values must have shape "
          + Arrays.toString(expected) + " for " + indices.length + " indices, got "
          + Arrays.toString(values.shape()));
    }
    for (int i = 0; i < indices.length; i++) {
      if (indices[i] < 0 || indices[i] >= denseShape[0]) {
        throw new IllegalArgumentException("IndexedSlices index " + indices[i] + " at position " + i
            + " is out of range [0, " + denseShape[0] + ")");
      }
    }
    this.indices = indices.clone();
    this.values = values;
    this.denseShape = denseShape.clone();
  }

  /** A copy of the row indices. */
  public int[] indices() {
    return indices.clone();
  }

  public int numRows() {
    return indices.length;
  }

  /** Row index {@code r} (no copy). */
  public int index(int r) {
    return indices[r];
  }

  @Override
  public Tensor values() {
    return values;
  }

  @Override
  public DType dtype() {
    return values.dtype();
  }

  @Override
  public int[] denseShape() {
    return denseShape.clone();
  }

  @Override
  public IndexedSlices withValues(Tensor newValues) {
    values.requireSameLayout(newValues, "values");
    return new IndexedSlices(indices, newValues, denseShape);
  }

  /**
   * Sums rows with equal indices, unique indices in order of first occurrence
   * ({@code tf.unique} + {@code tf.math.unsorted_segment_sum}, the sum of each row starting from
   * zero and adding the duplicates in order). Returns {@code this} when no index repeats.
   */
  public IndexedSlices deduplicate() {
    if (indicesAreUnique()) {
      return this;
    }
    Map<Integer, Integer> slot = new LinkedHashMap<>();
    for (int index : indices) {
      slot.putIfAbsent(index, slot.size());
    }
    int[] unique = slot.keySet().stream().mapToInt(Integer::intValue).toArray();
    int row = values.rowLength();
    int[] shape = denseShape.clone();
    shape[0] = unique.length;
    if (values.dtype() == DType.FLOAT32) {
      float[] in = values.floats();
      float[] out = new float[unique.length * row];
      for (int r = 0; r < indices.length; r++) {
        int base = slot.get(indices[r]) * row;
        for (int j = 0; j < row; j++) {
          out[base + j] += in[r * row + j];
        }
      }
      return new IndexedSlices(unique, Tensor.of(out, shape), denseShape);
    }
    double[] in = values.doubles();
    double[] out = new double[unique.length * row];
    for (int r = 0; r < indices.length; r++) {
      int base = slot.get(indices[r]) * row;
      for (int j = 0; j < row; j++) {
        out[base + j] += in[r * row + j];
      }
    }
    return new IndexedSlices(unique, Tensor.of(out, shape), denseShape);
  }

  /**
   * Whether no index repeats: at once when the indices are increasing (as the gradients meshgrad
   * builds are), else from a sorted copy of primitives (cheaper than the map of the general case).
   */
  private boolean indicesAreUnique() {
    boolean increasing = true;
    for (int i = 1; i < indices.length && increasing; i++) {
      increasing = indices[i] > indices[i - 1];
    }
    if (increasing) {
      return true;
    }
    int[] sorted = indices.clone();
    java.util.Arrays.sort(sorted);
    for (int i = 1; i < sorted.length; i++) {
      if (sorted[i] == sorted[i - 1]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "IndexedSlices(indices=" + Arrays.toString(indices) + ", values=" + values
        + ", denseShape=" + Arrays.toString(denseShape) + ")";
  }

  // ------------------------------------------------------------------ Java serialization

  private Object writeReplace() {
    return new Serialized(this);
  }

  private void readObject(ObjectInputStream in) throws InvalidObjectException {
    throw new InvalidObjectException("IndexedSlices are read through their serialized form");
  }

  /**
   * The serialized form of {@link IndexedSlices}: dense shape, values (a {@link Tensor}, in bulk),
   * then the indices as little-endian bytes in bulk. Reading checks them as the constructor does.
   */
  private static final class Serialized implements Serializable {
    private static final long serialVersionUID = 1L;

    private transient IndexedSlices slices;

    Serialized(IndexedSlices slices) {
      this.slices = slices;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
      out.writeObject(slices.denseShape);
      out.writeObject(slices.values);
      BulkArrays.writeInts(out, slices.indices);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      int[] denseShape = (int[]) in.readObject();
      Tensor values = (Tensor) in.readObject();
      int rows = values.rank() == 0 ? 0 : values.shape()[0];
      try {
        slices = new IndexedSlices(BulkArrays.readInts(in, rows), values, denseShape);
      } catch (IllegalArgumentException e) {
        InvalidObjectException bad = new InvalidObjectException("serialized IndexedSlices: " + e.getMessage());
        bad.initCause(e);
        throw bad;
      }
    }

    private Object readResolve() {
      return slices;
    }
  }
}
