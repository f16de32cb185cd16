package io.meshgrad.ml;

import io.meshgrad.model.Activation;
import io.meshgrad.model.MultilayerPerceptron;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The saved form of a fitted network, one Parquet row: {@code layers}, {@code activation}, {@code
 * output} ({@code softmax} or {@code squaredError}) and {@code weights} (flattened as MLlib's
 * {@code MultilayerPerceptronClassificationModel.weights}). A class, not a record: a model's
 * transform broadcasts it ({@link Shipped}), and Spark's Kryo serializer cannot rebuild records.
 */
final class NetworkData implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  static final String SOFTMAX = "softmax";
  static final String SQUARED_ERROR = "squaredError";

  static final StructType SCHEMA = new StructType()
      .add("layers", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("activation", DataTypes.StringType, false)
      .add("output", DataTypes.StringType, false)
      .add("weights", DataTypes.createArrayType(DataTypes.DoubleType, false), false);

  private final int[] layers;
  private final String activation;
  private final String output;
  private final double[] weights;

  /** @throws IllegalArgumentException when the parts do not make a network */
  NetworkData(int[] layers, String activation, String output, double[] weights) {
    network(layers, activation, output, weights);
    this.layers = layers;
    this.activation = activation;
    this.output = output;
    this.weights = weights;
  }

  int[] layers() {
    return layers;
  }

  String activation() {
    return activation;
  }

  String output() {
    return output;
  }

  double[] weights() {
    return weights;
  }

  /** The network these weights belong to. */
  MultilayerPerceptron network() {
    return network(layers, activation, output, weights);
  }

  private static MultilayerPerceptron network(int[] layers, String activation, String output, double[] weights) {
    MultilayerPerceptron.Output kind = switch (String.valueOf(output)) {
      case SOFTMAX -> MultilayerPerceptron.Output.SOFTMAX_CROSS_ENTROPY;
      case SQUARED_ERROR -> MultilayerPerceptron.Output.SQUARED_ERROR;
      default -> throw new IllegalArgumentException("output must be " + SOFTMAX + " or " + SQUARED_ERROR + ", got "
          + output);
    };
    return new MultilayerPerceptron(layers, Activation.parse(activation), kind, MultilayerPerceptron.DEFAULT_BLOCK_SIZE,
        weights, Map.of());
  }

  Row toRow() {
    return RowFactory.create(Arrays.stream(layers).boxed().toArray(Integer[]::new), activation, output,
        Arrays.stream(weights).boxed().toArray(Double[]::new));
  }

  /**
   * Reads and checks a saved row.
   *
   * @throws IllegalArgumentException naming {@code path} and what is wrong
   */
  static NetworkData fromRow(Row row, String path) {
    try {
      for (String f : SCHEMA.fieldNames()) {
        if (row.isNullAt(row.fieldIndex(f))) {
          throw new IllegalArgumentException("field " + f + " is null");
        }
      }
      List<Object> sizes = row.getList(row.fieldIndex("layers"));
      int[] layers = new int[sizes.size()];
      for (int i = 0; i < layers.length; i++) {
        layers[i] = (Integer) sizes.get(i);
      }
      List<Object> values = row.getList(row.fieldIndex("weights"));
      double[] weights = new double[values.size()];
      for (int i = 0; i < weights.length; i++) {
        weights[i] = (Double) values.get(i);
      }
      return new NetworkData(layers, row.getString(row.fieldIndex("activation")),
          row.getString(row.fieldIndex("output")), weights);
    } catch (IllegalArgumentException | ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("the model data at " + path + "/data is corrupt: " + e.getMessage(), e);
    }
  }
}
