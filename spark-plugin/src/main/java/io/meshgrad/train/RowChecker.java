package io.meshgrad.train;

import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * Validates the rows of one input partition (columns: features, label and weight as doubles, in
 * that order) and keys each by its global row index. Errors name the row by its global index and
 * its input partition and position, the user's column name, and the offending value.
 */
final class RowChecker
    implements Function2<Integer, Iterator<Row>, Iterator<Tuple2<Long, CheckedRow>>> {
  private static final long serialVersionUID = 1L;

  private final Columns columns;
  private final int numFeatures;
  private final long[] inputCounts;
  private final long[] inputStarts;
  private final LabelValidator labelValidator;

  /**
   * @param inputCounts number of rows of each input partition, as counted before
   * @param inputStarts global index of each input partition's first row
   */
  RowChecker(
      Columns columns,
      int numFeatures,
      long[] inputCounts,
      long[] inputStarts,
      LabelValidator labelValidator) {
    this.columns = columns;
    this.numFeatures = numFeatures;
    this.inputCounts = inputCounts;
    this.inputStarts = inputStarts;
    this.labelValidator = labelValidator;
  }

  @Override
  public Iterator<Tuple2<Long, CheckedRow>> call(Integer inputPartition, Iterator<Row> rows) {
    int ip = inputPartition;
    return new Iterator<>() {
      private long position;

      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Tuple2<Long, CheckedRow> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Row row = rows.next();
        if (position >= inputCounts[ip]) {
          throw new IllegalStateException(
              "input partition " + ip + " of the training data had " + inputCounts[ip]
                  + " rows when counted and more when read again: the input Dataset is not"
                  + " deterministic; cache or checkpoint it before training");
        }
        long index = inputStarts[ip] + position;
        CheckedRow checked = check(row, index, ip, position);
        position++;
        return new Tuple2<>(index, checked);
      }
    };
  }

  private CheckedRow check(Row row, long index, int ip, long position) {
    if (row.isNullAt(0)) {
      throw error(index, ip, position, columns.features(),
          "must hold a vector of size " + numFeatures + ", got null");
    }
    Vector features = (Vector) row.get(0);
    if (features.size() != numFeatures) {
      throw error(index, ip, position, columns.features(),
          "must hold a vector of size " + numFeatures + " (the size in row 0), got size "
              + features.size());
    }
    checkFinite(features, index, ip, position);
    if (row.isNullAt(1)) {
      throw error(index, ip, position, columns.label(), "must hold a finite number, got null");
    }
    double label = row.getDouble(1);
    if (!Double.isFinite(label)) {
      throw error(index, ip, position, columns.label(), "must hold a finite number, got " + label);
    }
    try {
      labelValidator.accept(label);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          where(index, ip, position) + ": column '" + columns.label() + "': " + e.getMessage(), e);
    }
    if (row.isNullAt(2)) {
      throw error(index, ip, position, columns.weightName(),
          "must hold a finite number >= 0, got null");
    }
    double weight = row.getDouble(2);
    if (!(Double.isFinite(weight) && weight >= 0.0)) {
      throw error(index, ip, position, columns.weightName(),
          "must hold a finite number >= 0, got " + weight);
    }
    return new CheckedRow(features, label, weight);
  }

  private void checkFinite(Vector features, long index, int ip, long position) {
    double[] values;
    int[] indices = null;
    if (features instanceof SparseVector sv) {
      values = sv.values();
      indices = sv.indices();
    } else {
      values = features instanceof DenseVector dv ? dv.values() : features.toArray();
    }
    for (int p = 0; p < values.length; p++) {
      if (!Double.isFinite(values[p])) {
        throw error(index, ip, position, columns.features(),
            "must hold finite values, got " + values[p] + " at index "
                + (indices == null ? p : indices[p]));
      }
    }
  }

  /** How errors name a row. */
  static String where(long index, int inputPartition, long position) {
    return "training row " + index + " (input partition " + inputPartition + ", position "
        + position + ")";
  }

  static IllegalArgumentException error(
      long index, int inputPartition, long position, String column, String problem) {
    return new IllegalArgumentException(
        where(index, inputPartition, position) + ": column '" + column + "' " + problem);
  }
}
