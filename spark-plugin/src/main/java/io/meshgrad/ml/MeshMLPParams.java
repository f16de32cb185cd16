package io.meshgrad.ml;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgrad.model.Activation;
import io.meshgrad.model.MultilayerPerceptron;
import io.meshgrad.support.Json;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * {@link MeshgradParams} plus the network's params: {@code layers} (MLlib's), {@code
 * hiddenLayers} (used when {@code layers} is not set, with the input size and the number of
 * classes taken from the data), {@code activation}, {@code initialWeights} (MLlib's), {@code
 * blockSize} (MLlib's) and {@code layouts}. {@code fitIntercept} does not apply: every layer has a
 * bias; {@code regParam} is L2 on the kernels, never on the biases.
 */
public interface MeshMLPParams extends MeshgradParams {

  /** The network's param objects (an implementation detail of the accessors below). */
  NetworkParamSet networkParams();

  /** Layer sizes {@code [inputs, hidden..., outputs]}, as MLlib's (unset: from the data and hiddenLayers). */
  default IntArrayParam layers() {
    return networkParams().layers;
  }

  /** Hidden layer sizes used when {@code layers} is not set (default {@code [100]}). */
  default IntArrayParam hiddenLayers() {
    return networkParams().hiddenLayers;
  }

  /** Activation of the hidden layers: relu (default), sigmoid or tanh. */
  default Param<String> activation() {
    return networkParams().activation;
  }

  /** All weights flattened as MLlib's {@code weights} (unset: glorot_uniform kernels, zero biases). */
  default Param<Vector> initialWeights() {
    return networkParams().initialWeights;
  }

  /** Rows stacked into one matrix product ({@code >= 1}, default 128 as MLlib). */
  default IntParam blockSize() {
    return networkParams().blockSize;
  }

  /** Layouts by variable name as JSON, replacing the defaults (unset: none replaced). */
  default Param<String> layouts() {
    return networkParams().layouts;
  }

  /** The value of {@link #layers()}; throws if unset. */
  default int[] getLayers() {
    return getOrDefault(layers());
  }

  /** The value (or default) of {@link #hiddenLayers()}. */
  default int[] getHiddenLayers() {
    return getOrDefault(hiddenLayers());
  }

  /** The value (or default) of {@link #activation()}, lower case. */
  default String getActivation() {
    return Activation.parse(getOrDefault(activation())).paramValue();
  }

  /** The value of {@link #initialWeights()}; throws if unset. */
  default Vector getInitialWeights() {
    return getOrDefault(initialWeights());
  }

  /** The value (or default) of {@link #blockSize()}. */
  default int getBlockSize() {
    return (Integer) getOrDefault(blockSize());
  }

  /** The value of {@link #layouts()}; throws if unset. */
  default String getLayouts() {
    return getOrDefault(layouts());
  }

  /**
   * Parses a {@code layouts} JSON object, e.g. {@code {"dense/kernel": ["model", "unsharded"]}}.
   *
   * @throws IllegalArgumentException naming the entry that is not an array of strings
   */
  static Map<String, List<String>> parseLayouts(String json) {
    JsonNode node = Json.parse(json);
    if (!node.isObject()) {
      throw new IllegalArgumentException("layouts must be a JSON object of variable name to axes, e.g."
          + " {\"dense/kernel\": [\"model\", \"unsharded\"]}, got " + json);
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isArray()) {
        throw new IllegalArgumentException("layouts['" + e.getKey() + "'] must be an array of axis names, got "
            + e.getValue());
      }
      List<String> axes = new ArrayList<>();
      for (JsonNode axis : e.getValue()) {
        if (!axis.isTextual()) {
          throw new IllegalArgumentException("layouts['" + e.getKey() + "'] must hold mesh dimension names or"
              + " \"unsharded\", got " + axis);
        }
        axes.add(axis.asText());
      }
      out.put(e.getKey(), axes);
    }
    return out;
  }

  /** The network's params of one stage, created with the stage as their parent, defaults set on it. */
  final class NetworkParamSet implements Serializable {
    private static final long serialVersionUID = 1L;

    final IntArrayParam layers;
    final IntArrayParam hiddenLayers;
    final Param<String> activation;
    final Param<Vector> initialWeights;
    final IntParam blockSize;
    final Param<String> layouts;

    NetworkParamSet(Params owner) {
      layers = new IntArrayParam(owner, "layers",
          "sizes of the layers from the input to the output layer, as MLlib's MultilayerPerceptronClassifier:"
              + " [inputs, hidden..., outputs], e.g. [784, 128, 10]; at least 2 sizes, all >= 1; the last is the"
              + " number of classes (>= 2) for the classifier, 1 for the regressor. Unset: [number of features,"
              + " hiddenLayers..., number of classes or 1] from the data",
          Validators.<int[]>check("layers", "an array of at least 2 sizes >= 1 (the last: the number of classes,"
              + " >= 2, for the classifier; 1 for the regressor)", v -> v.length >= 2
              && java.util.Arrays.stream(v).allMatch(x -> x >= 1)));
      hiddenLayers = new IntArrayParam(owner, "hiddenLayers",
          "sizes of the hidden layers when layers is not set (the input size and the number of classes then"
              + " come from the data); [] trains softmax regression",
          Validators.<int[]>check("hiddenLayers", "an array of sizes >= 1",
              v -> java.util.Arrays.stream(v).allMatch(x -> x >= 1)));
      activation = new Param<>(owner, "activation",
          "activation of the hidden layers: relu, sigmoid (MLlib's) or tanh. The output layer is always softmax"
              + " with the cross-entropy loss",
          Validators.oneOf("activation", List.of("relu", "sigmoid", "tanh")));
      initialWeights = new Param<>(owner, "initialWeights",
          "the initial weights, flattened as MLlib's MultilayerPerceptronClassificationModel.weights: per layer"
              + " the [in, out] kernel row-major, then its out biases. Unset: glorot_uniform kernels (seeded by"
              + " seed) and zero biases, as Keras' Dense");
      blockSize = new IntParam(owner, "blockSize",
          "rows stacked into one matrix product (>= 1), as MLlib's blockSize; larger blocks make faster"
              + " products and larger buffers (blockSize x the widest layer)",
          Validators.intAtLeast("blockSize", 1));
      layouts = new Param<>(owner, "layouts",
          "layouts on a mesh with a model dimension, by variable name, as a JSON object, e.g."
              + " {\"dense/kernel\": [\"model\", \"unsharded\"], \"dense/bias\": [\"unsharded\"]}. Variables are"
              + " dense/kernel, dense/bias, dense_1/kernel, ... Unset ones keep the defaults: column-parallel"
              + " [\"unsharded\", \"model\"] for layer 0, row-parallel [\"model\", \"unsharded\"] for layer 1,"
              + " alternating; biases beside their kernel's output axis",
          Validators.parses("layouts", "a JSON object of variable name to an array of axis names",
              v -> parseLayouts(v)));
      owner.setDefault(hiddenLayers, new int[] {100});
      owner.setDefault(activation, Activation.RELU.paramValue());
      owner.setDefault(blockSize, MultilayerPerceptron.DEFAULT_BLOCK_SIZE);
      MeshgradParams stage = (MeshgradParams) owner;
      owner.setDefault(stage.standardization(), DEFAULT_STANDARDIZATION);
      owner.setDefault(stage.learningRate(), DEFAULT_LEARNING_RATE);
      owner.setDefault(stage.batchSize(), DEFAULT_BATCH_SIZE);
      owner.setDefault(stage.maxIter(), DEFAULT_MAX_ITER);
      owner.setDefault(stage.initialAccumulatorValue(), 0.1); // Keras', as measured for the MLP (docs/defaults.md)
    }

    /**
     * The MLP stages' defaults, chosen by measurement ({@code StageDefaultsSweep#mlp},
     * docs/defaults.md). standardization false: on features already of unit range (mnist10k /
     * 255) it costs accuracy (0.9365 against 0.958 at learning rate 0.3, batches of 256, 600 steps),
     * because dividing a rarely lit pixel by its small standard deviation makes it large; on raw
     * pixels (0..255) it is what makes the fit work (0.951 against a diverging 0.26), which is why
     * {@code bin/meshgrad train --model mlp} turns it on. A learning rate of {@value
     * #DEFAULT_LEARNING_RATE} over {@value #DEFAULT_MAX_ITER} steps of {@value #DEFAULT_BATCH_SIZE}
     * rows serves both.
     */
    static final boolean DEFAULT_STANDARDIZATION = false;

    /** See {@link #DEFAULT_STANDARDIZATION}. */
    static final double DEFAULT_LEARNING_RATE = 0.2;

    /** See {@link #DEFAULT_STANDARDIZATION}. */
    static final int DEFAULT_BATCH_SIZE = 256;

    /** See {@link #DEFAULT_STANDARDIZATION}. */
    static final int DEFAULT_MAX_ITER = 600;

    /** The network params that take their default from {@code spark.meshgrad.<name>} when not set. */
    List<Param<?>> configurable() {
      return List.of(activation, blockSize, layouts);
    }
  }
}
