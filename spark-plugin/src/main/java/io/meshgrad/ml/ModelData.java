package io.meshgrad.ml;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The saved form of a model's weights, one Parquet row: {@code numFeatures}, {@code numClasses}
 * (0 for regression), {@code numOutputs}, {@code loss} ({@code logistic}, {@code hinge} or {@code
 * squaredError}), {@code coefficients} (row-major {@code [numFeatures, numOutputs]}) and {@code
 * intercept} (length {@code numOutputs}). A class, not a record: a model's transform broadcasts it
 * ({@link Shipped}), and Spark's Kryo serializer cannot rebuild records.
 */
final class ModelData implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  private final int numFeatures;
  private final int numClasses;
  private final String loss;
  private final LinearWeights weights;

  ModelData(int numFeatures, int numClasses, String loss, LinearWeights weights) {
    this.numFeatures = numFeatures;
    this.numClasses = numClasses;
    this.loss = loss;
    this.weights = weights;
  }

  int numFeatures() {
    return numFeatures;
  }

  int numClasses() {
    return numClasses;
  }

  String loss() {
    return loss;
  }

  LinearWeights weights() {
    return weights;
  }

  static final StructType SCHEMA = new StructType()
      .add("numFeatures", DataTypes.IntegerType, false)
      .add("numClasses", DataTypes.IntegerType, false)
      .add("numOutputs", DataTypes.IntegerType, false)
      .add("loss", DataTypes.StringType, false)
      .add("coefficients", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
      .add("intercept", DataTypes.createArrayType(DataTypes.DoubleType, false), false);

  Row toRow() {
    return RowFactory.create(numFeatures, numClasses, weights.numOutputs(), loss,
        boxed(weights.coefficients()), boxed(weights.intercept()));
  }

  private static Object boxed(double[] values) {
    return Arrays.stream(values).boxed().toArray(Double[]::new);
  }

  /**
   * Reads and checks a saved row.
   *
   * @throws IllegalArgumentException naming {@code path} and what is wrong
   */
  static ModelData fromRow(Row row, String path) {
    try {
      for (String f : SCHEMA.fieldNames()) {
        if (row.isNullAt(row.fieldIndex(f))) {
          throw new IllegalArgumentException("field " + f + " is null");
        }
      }
      int numFeatures = row.getInt(row.fieldIndex("numFeatures"));
      int numClasses = row.getInt(row.fieldIndex("numClasses"));
      int numOutputs = row.getInt(row.fieldIndex("numOutputs"));
      String loss = row.getString(row.fieldIndex("loss"));
      double[] coefficients = doubles(row, "coefficients");
      double[] intercept = doubles(row, "intercept");
      return new ModelData(numFeatures, numClasses, loss,
          new LinearWeights(numFeatures, numOutputs, coefficients, intercept));
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
