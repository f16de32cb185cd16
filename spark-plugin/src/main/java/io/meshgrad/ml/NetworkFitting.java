package io.meshgrad.ml;

import io.meshgrad.data.LabelValidator;
import io.meshgrad.model.Activation;
import io.meshgrad.model.MultilayerPerceptron;
import io.meshgrad.tensor.Tensor;
import io.meshgrad.train.TrainingResult;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** The fit shared by the MLP estimators: their params to a {@link MultilayerPerceptron}, then {@link Fitting}. */
final class NetworkFitting {
  private NetworkFitting() {}

  /** The fitted network and how it was trained. */
  record Fitted(NetworkData data, TrainingResult result) {}

  /**
   * Trains a network on {@code df}: {@code layers} when set (its first size must be the features'
   * size), else {@code [features' size, hiddenLayers..., numOutputs]}.
   *
   * @param p the estimator's params, conf defaults applied
   * @param numOutputs the number of output units when {@code layers} is not set
   */
  static Fitted train(MeshMLPParams p, Dataset<Row> df, MultilayerPerceptron.Output output, int numOutputs,
      LabelValidator labels) {
    int[] given = p.isDefined(p.layers()) ? p.getLayers() : null;
    Activation activation = Activation.parse(p.getActivation());
    Map<String, List<String>> layouts = p.isDefined(p.layouts()) ? MeshMLPParams.parseLayouts(p.getLayouts())
        : Map.of();
    double[] initial = p.isDefined(p.initialWeights()) ? p.getInitialWeights().toArray() : null;
    int blockSize = p.getBlockSize();
    if (given != null) {
      // bad params fail before the data pass
      new MultilayerPerceptron(given, activation, output, blockSize, initial, layouts);
    }
    int[] hidden = p.getHiddenLayers();
    String featuresCol = p.getOrDefault(p.getParam("featuresCol")).toString();
    String labelCol = p.getOrDefault(p.getParam("labelCol")).toString();
    MultilayerPerceptron[] network = new MultilayerPerceptron[1];
    TrainingResult r = Fitting.train(p, df, featuresCol, labelCol, labels, numFeatures -> {
      int[] layers = given != null ? given : withEnds(numFeatures, hidden, numOutputs);
      if (layers[0] != numFeatures) {
        throw new IllegalArgumentException("layers " + Arrays.toString(layers) + " starts with " + layers[0]
            + " inputs, but featuresCol '" + featuresCol + "' holds vectors of size " + numFeatures);
      }
      network[0] = new MultilayerPerceptron(layers, activation, output, blockSize, initial, layouts);
      return network[0];
    });
    List<Tensor> weights = r.weights();
    double[][] arrays = new double[weights.size()][];
    for (int v = 0; v < arrays.length; v++) {
      arrays[v] = weights.get(v).toDoubleArray();
    }
    String kind = output == MultilayerPerceptron.Output.SQUARED_ERROR ? NetworkData.SQUARED_ERROR
        : NetworkData.SOFTMAX;
    return new Fitted(new NetworkData(network[0].layers(), activation.paramValue(), kind,
        MultilayerPerceptron.concat(arrays)), r);
  }

  private static int[] withEnds(int numFeatures, int[] hidden, int numOutputs) {
    int[] layers = new int[hidden.length + 2];
    layers[0] = numFeatures;
    System.arraycopy(hidden, 0, layers, 1, hidden.length);
    layers[layers.length - 1] = numOutputs;
    return layers;
  }
}
