package io.meshgrad.ml;

import io.meshgrad.loss.ScalarMarginLoss;
import io.meshgrad.model.FactorizationMachine;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The fitted weights of a factorization machine: intercept {@code b}, linear weights {@code w}
 * ({@code [numFeatures]}) and factors {@code V} (row-major {@code [numFeatures, factorSize]}),
 * zeros for the terms not fitted. Predictions go through {@link FactorizationMachine#outputs}, the
 * training kernel's own math. Immutable.
 *
 * <p>Saved as one Parquet row ({@link #SCHEMA}): {@code numFeatures}, {@code factorSize}, {@code
 * loss} ({@code logistic} or {@code squaredError}), {@code intercept}, {@code linear}, {@code
 * factors}, as MLlib's {@code FMClassificationModel} saves its one row.
 */
final class FMWeights implements Serializable {
  private static final long serialVersionUID = 1L;

  static final StructType SCHEMA = new StructType()
      .add("numFeatures", DataTypes.IntegerType, false)
      .add("factorSize", DataTypes.IntegerType, false)
      .add("loss", DataTypes.StringType, false)
      .add("intercept", DataTypes.DoubleType, false)
      .add("linear", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
      .add("factors", DataTypes.createArrayType(DataTypes.DoubleType, false), false);

  private final String loss;
  private final double[][] weights;
  private final FactorizationMachine machine;

  /**
   * @param loss {@code logistic} or {@code squaredError}
   * @throws IllegalArgumentException if a size is out of range or an array has the wrong length
   */
  FMWeights(int numFeatures, int factorSize, String loss, double intercept, double[] linear, double[] factors) {
    if (!("logistic".equals(loss) || "squaredError".equals(loss))) {
      throw new IllegalArgumentException("loss must be logistic or squaredError, got " + loss);
    }
    if (numFeatures < 1 || factorSize < 1) {
      throw new IllegalArgumentException("numFeatures and factorSize must be >= 1, got " + numFeatures + " and "
          + factorSize);
    }
    if (linear == null || linear.length != numFeatures) {
      throw new IllegalArgumentException("linear must hold numFeatures = " + numFeatures + " values, got "
          + (linear == null ? "null" : linear.length));
    }
    if (factors == null || (long) factors.length != (long) numFeatures * factorSize) {
      throw new IllegalArgumentException("factors must hold numFeatures * factorSize = " + numFeatures + " * "
          + factorSize + " values, got " + (factors == null ? "null" : factors.length));
    }
    this.loss = loss;
    this.weights = new double[][] {{intercept}, linear.clone(), factors.clone()};
    this.machine = new FactorizationMachine(numFeatures, factorSize, true, true, 0.0, marginLoss(loss));
  }

  /** The empty model the no-argument constructors of the model classes hold. */
  static FMWeights empty(String loss) {
    return new FMWeights(1, 1, loss, 0.0, new double[1], new double[1]);
  }

  /** The weights of a fit of {@code fm}: {@code trained} follows {@code fm.variables()}. */
  static FMWeights fromTraining(FactorizationMachine fm, String loss, List<double[]> trained) {
    double intercept = fm.interceptIndex() >= 0 ? trained.get(fm.interceptIndex())[0] : 0.0;
    double[] linear = fm.linearIndex() >= 0 ? trained.get(fm.linearIndex()) : new double[fm.numFeatures()];
    return new FMWeights(fm.numFeatures(), fm.factorSize(), loss, intercept, linear, trained.get(fm.factorsIndex()));
  }

  static ScalarMarginLoss marginLoss(String loss) {
    return "logistic".equals(loss) ? new io.meshgrad.loss.BinaryLogisticLoss() : new io.meshgrad.loss.LeastSquaresLoss();
  }

  int numFeatures() {
    return machine.numFeatures();
  }

  int factorSize() {
    return machine.factorSize();
  }

  String loss() {
    return loss;
  }

  double intercept() {
    return weights[0][0];
  }

  Vector linear() {
    return Vectors.dense(weights[1].clone());
  }

  /** {@code V} as a {@code numFeatures x factorSize} matrix (MLlib's {@code factors}). */
  org.apache.spark.ml.linalg.Matrix factors() {
    // Row-major [n, k] is the column-major layout of the transpose; DenseMatrix takes isTransposed.
    return new org.apache.spark.ml.linalg.DenseMatrix(numFeatures(), factorSize(), weights[2].clone(), true);
  }

  /**
   * The FM margin of one row.
   *
   * @throws IllegalArgumentException if the vector's size is not {@code numFeatures}
   */
  double margin(Vector features) {
    if (features != null && features.size() != numFeatures()) {
      throw new IllegalArgumentException("the features vector has size " + features.size()
          + ", but the model was trained on " + numFeatures() + " features");
    }
    return machine.outputs(features, weights)[0];
  }

  Row toRow() {
    return RowFactory.create(numFeatures(), factorSize(), loss, intercept(), boxed(weights[1]), boxed(weights[2]));
  }

  private static Object boxed(double[] values) {
    return java.util.Arrays.stream(values).boxed().toArray(Double[]::new);
  }

  /**
   * Reads and checks a saved row.
   *
   * @throws IllegalArgumentException naming {@code path} and what is wrong
   */
  static FMWeights fromRow(Row row, String path) {
    try {
      for (String f : SCHEMA.fieldNames()) {
        if (row.schema() == null || !java.util.Arrays.asList(row.schema().fieldNames()).contains(f)) {
          throw new IllegalArgumentException("field " + f + " is missing");
        }
        if (row.isNullAt(row.fieldIndex(f))) {
          throw new IllegalArgumentException("field " + f + " is null");
        }
      }
      return new FMWeights(row.getInt(row.fieldIndex("numFeatures")), row.getInt(row.fieldIndex("factorSize")),
          row.getString(row.fieldIndex("loss")), row.getDouble(row.fieldIndex("intercept")), doubles(row, "linear"),
          doubles(row, "factors"));
    } catch (IllegalArgumentException | ClassCastException e) {
      throw new IllegalArgumentException("the model data at " + path + "/data is corrupt: " + e.getMessage(), e);
    }
  }

  private static double[] doubles(Row row, String field) {
    List<Object> list = row.getList(row.fieldIndex(field));
    double[] out = new double[list.size()];
    for (int i = 0; i < out.length; i++) {
      Object v = list.get(i);
      if (!(v instanceof Double d)) {
        throw new IllegalArgumentException(field + "[" + i + "] must be a double, got " + v);
      }
      out[i] = d;
    }
    return out;
  }
}
