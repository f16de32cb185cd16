package io.meshgrad.data;

import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;

/**
 * The first pass over the training rows (columns: features, label and weight as doubles, in that
 * order): counts the rows of each input partition and finds its first bad row, without throwing.
 * A bad row therefore never fails a Spark task (no executor ERROR, no task retries): the driver
 * gets one {@link Result} per input partition and reports the first bad row of the whole input.
 *
 * <p>A row is bad when its features are null, not finite, or of another size than the first
 * non-null features vector of its partition (the driver compares those sizes across partitions),
 * its label is null, not finite or refused by the {@link LabelValidator}, or its weight is null,
 * negative or not finite.
 */
final class RowScan implements Function2<Integer, Iterator<Row>, Iterator<RowScan.Result>> {
  private static final long serialVersionUID = 1L;

  /** Marks null features, whose message only the driver can write (it knows the number of features). */
  private static final String NULL_FEATURES = "null features";

  private final Columns columns;
  private final LabelValidator labelValidator;
  private final int maxSumFeatures;

  /**
   * @param maxSumFeatures the most features for which to add up the sums of a feature scale
   *     ({@link Result#sums}), or -1 for none
   */
  RowScan(Columns columns, LabelValidator labelValidator, int maxSumFeatures) {
    this.columns = columns;
    this.labelValidator = labelValidator;
    this.maxSumFeatures = maxSumFeatures;
  }

  /**
   * What the scan found in one input partition. (A class, not a record: Spark's Kryo serializer
   * cannot rebuild records.)
   */
  static final class Result implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Rows in the partition. */
    long count;
    /** Size of the first non-null features vector, or -1 when there is none. */
    int referenceSize = -1;
    /** Position of that vector's row, or -1. */
    long referencePosition = -1;
    /** Position of the first bad row, or -1 when every row is good. */
    long badPosition = -1;
    /** What is wrong with it: "column 'c' ..."; null when its features are null. */
    String problem;
    /**
     * When asked for and the features are few enough, the sums a feature scale is made of, over
     * the partition's rows before its first bad one, in order: {@code [sum w, sum w^2, then per
     * feature j: sum w x_j, sum w x_j^2]}; else null.
     */
    double[] sums;
  }

  @Override
  public Iterator<Result> call(Integer inputPartition, Iterator<Row> rows) {
    Result r = new Result();
    while (rows.hasNext()) {
      Row row = rows.next();
      if (r.badPosition < 0) {
        if (r.referenceSize < 0 && !row.isNullAt(0)) {
          r.referenceSize = ((Vector) row.get(0)).size();
          r.referencePosition = r.count;
          if (r.referenceSize <= maxSumFeatures) {
            r.sums = ScaleSums.zero(r.referenceSize);
          }
        }
        String problem = problem(row, r.referenceSize);
        if (problem != null) {
          r.badPosition = r.count;
          r.problem = problem == NULL_FEATURES ? null : problem;
        } else if (r.sums != null) {
          ScaleSums.addRow(r.sums, row);
        }
      }
      r.count++;
    }
    return List.of(r).iterator();
  }

  /** What is wrong with {@code row}, or null when nothing is. */
  private String problem(Row row, int numFeatures) {
    if (row.isNullAt(0)) {
      return NULL_FEATURES;
    }
    Vector features = (Vector) row.get(0);
    if (features.size() != numFeatures) {
      return sizeProblem(columns, numFeatures, features.size());
    }
    String notFinite = nonFinite(features);
    if (notFinite != null) {
      return notFinite;
    }
    if (row.isNullAt(1)) {
      return "column '" + columns.label() + "' must hold a finite number, got null";
    }
    double label = row.getDouble(1);
    if (!Double.isFinite(label)) {
      return "column '" + columns.label() + "' must hold a finite number, got " + label;
    }
    try {
      labelValidator.accept(label);
    } catch (IllegalArgumentException e) {
      return "column '" + columns.label() + "': " + e.getMessage();
    }
    if (row.isNullAt(2)) {
      return "column '" + columns.weightName() + "' must hold a finite number >= 0, got null";
    }
    double weight = row.getDouble(2);
    if (!(Double.isFinite(weight) && weight >= 0.0)) {
      return "column '" + columns.weightName() + "' must hold a finite number >= 0, got " + weight;
    }
    return null;
  }

  /** The problem of a features vector of size {@code size} where {@code numFeatures} is expected. */
  static String sizeProblem(Columns columns, int numFeatures, int size) {
    return "column '" + columns.features() + "' must hold a vector of size " + numFeatures
        + " (the size in row 0), got size " + size;
  }

  private String nonFinite(Vector features) {
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
        return "column '" + columns.features() + "' must hold finite values, got " + values[p] + " at index "
            + (indices == null ? p : indices[p]);
      }
    }
    return null;
  }

  /** The problem of null features in row {@code index}; {@code numFeatures} is the size of row 0's. */
  static String nullProblem(Columns columns, long index, int numFeatures) {
    return "column '" + columns.features() + "' must hold a vector"
        + (index == 0 ? " (its size sets the number of features)" : " of size " + numFeatures) + ", got null";
  }

  /** How errors name a row. */
  static String where(long index, int inputPartition, long position) {
    return "training row " + index + " (input partition " + inputPartition + ", position " + position + ")";
  }
}
