package io.meshgrad.data;

import io.meshgrad.loss.Instance;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;

/**
 * Consecutive validated rows on their way through the shuffle, held in a few primitive arrays
 * rather than as one object per row: the serializer (Java or Kryo) writes each array in one piece,
 * where per-row objects cost it a header, a vector and two arrays per row.
 *
 * <p>Every row comes back exactly as it went in: the same label and weight, and a features vector
 * of the same kind ({@link SparseVector} with the same stored indices and values, explicit zeros
 * included, or {@link DenseVector}; any other {@link Vector} comes back as a dense one of its
 * values). (A class, not a record: Spark's Kryo serializer cannot rebuild records.)
 */
final class RowChunk implements Serializable {
  private static final long serialVersionUID = 1L;

  /** {@link #stored} of a dense row: its {@link #size} values follow, without indices. */
  private static final int DENSE = -1;

  /** Size of every row's features vector. */
  private final int size;
  private final double[] labels;
  private final double[] weights;
  /** Per row: the number of stored entries of a sparse row, or {@link #DENSE}. */
  private final int[] stored;
  /** The sparse rows' indices, row after row. */
  private final int[] indices;
  /** The sparse rows' stored values and the dense rows' values, row after row. */
  private final double[] values;

  private RowChunk(int size, double[] labels, double[] weights, int[] stored, int[] indices, double[] values) {
    this.size = size;
    this.labels = labels;
    this.weights = weights;
    this.stored = stored;
    this.indices = indices;
    this.values = values;
  }

  /** Number of rows. */
  int numRows() {
    return labels.length;
  }

  /** The rows, in order, each with a new features vector. */
  Iterator<Instance> rows() {
    return new Iterator<>() {
      private int row;
      private int index;
      private int value;

      @Override
      public boolean hasNext() {
        return row < labels.length;
      }

      @Override
      public Instance next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Vector features;
        int n = stored[row];
        if (n == DENSE) {
          features = new DenseVector(Arrays.copyOfRange(values, value, value + size));
          value += size;
        } else {
          features = new SparseVector(size, Arrays.copyOfRange(indices, index, index + n),
              Arrays.copyOfRange(values, value, value + n));
          index += n;
          value += n;
        }
        Instance out = new Instance(labels[row], weights[row], features);
        row++;
        return out;
      }
    };
  }

  /** Collects rows into a chunk; reusable after {@link #build()}. */
  static final class Builder {
    private final int size;
    private double[] labels = new double[16];
    private double[] weights = new double[16];
    private int[] stored = new int[16];
    private int[] indices = new int[64];
    private double[] values = new double[64];
    private int rows;
    private int numIndices;
    private int numValues;

    /** @param size the size of every row's features vector */
    Builder(int size) {
      this.size = size;
    }

    int numRows() {
      return rows;
    }

    /** Number of feature values held so far (stored sparse entries plus dense values). */
    int numValues() {
      return numValues;
    }

    /** Appends a row whose features vector has {@link #size} entries. */
    void add(Vector features, double label, double weight) {
      if (rows == labels.length) {
        labels = Arrays.copyOf(labels, 2 * rows);
        weights = Arrays.copyOf(weights, 2 * rows);
        stored = Arrays.copyOf(stored, 2 * rows);
      }
      labels[rows] = label;
      weights[rows] = weight;
      if (features instanceof SparseVector sv) {
        int n = sv.indices().length;
        stored[rows] = n;
        ensureIndices(n);
        ensureValues(n);
        System.arraycopy(sv.indices(), 0, indices, numIndices, n);
        System.arraycopy(sv.values(), 0, values, numValues, n);
        numIndices += n;
        numValues += n;
      } else {
        double[] dense = features instanceof DenseVector dv ? dv.values() : features.toArray();
        stored[rows] = DENSE;
        ensureValues(size);
        System.arraycopy(dense, 0, values, numValues, size);
        numValues += size;
      }
      rows++;
    }

    /** The rows added since the last build, as a chunk; the builder is then empty. */
    RowChunk build() {
      RowChunk chunk = new RowChunk(size, Arrays.copyOf(labels, rows), Arrays.copyOf(weights, rows),
          Arrays.copyOf(stored, rows), Arrays.copyOf(indices, numIndices), Arrays.copyOf(values, numValues));
      rows = 0;
      numIndices = 0;
      numValues = 0;
      return chunk;
    }

    private void ensureIndices(int more) {
      if (numIndices + more > indices.length) {
        indices = Arrays.copyOf(indices, Math.max(2 * indices.length, numIndices + more));
      }
    }

    private void ensureValues(int more) {
      if (numValues + more > values.length) {
        values = Arrays.copyOf(values, Math.max(2 * values.length, numValues + more));
      }
    }
  }
}
