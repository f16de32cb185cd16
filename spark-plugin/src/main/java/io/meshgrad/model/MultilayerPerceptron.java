package io.meshgrad.model;

import io.meshgrad.loss.InstanceBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;

/**
 * A multilayer perceptron as a {@link BlockModel}: layer sizes {@code [in, h_1, ..., h_m, K]} as
 * MLlib's {@code layers}, {@link DenseLayer}s with an {@link Activation} after every hidden one,
 * and on the output units either {@link SoftmaxCrossEntropy} ({@code K >= 2} logits, a classifier)
 * or {@link SquaredError} ({@code K = 1} linear unit, a regressor), as {@link Output} says.
 *
 * <p>Variables, in order, as Keras names a stack of {@code Dense} layers: {@code dense/kernel}
 * {@code [in, h_1]}, {@code dense/bias} {@code [h_1]}, {@code dense_1/kernel}, {@code
 * dense_1/bias}, ... Kernels start at {@code glorot_uniform} and are L2-regularised; biases start at
 * zero and are not. The first kernel is indexed by input feature (a sparse block's gradient touches
 * only the rows of its non-zero features). That order and row-major layout is exactly MLlib's
 * {@code MultilayerPerceptronClassificationModel.weights} ({@code numOut x numIn} column-major
 * per layer, then the bias), so {@link #split} / {@link #concat} convert between the two.
 *
 * <p>Layouts on a mesh with a dimension named {@code model} (Megatron's MLP): layer 0's kernel
 * {@code ["unsharded", "model"]} (column-parallel) with its bias {@code ["model"]}, layer 1's
 * kernel {@code ["model", "unsharded"]} (row-parallel) with its bias {@code ["unsharded"]}, and so
 * on alternating. Any of them can be replaced by name ({@code layouts}); a name that is not a
 * variable, or a layout of the wrong rank, is rejected naming it.
 *
 * <p>{@link #accumulate} runs each block in chunks of at most {@code blockSize} rows (MLlib's
 * {@code blockSize}: rows stacked into one matrix) through buffers kept across calls and grown
 * only when a chunk is larger than any before: nothing is allocated per row.
 */
public final class MultilayerPerceptron implements BlockModel {
  private static final long serialVersionUID = 1L;

  /** The output layer and its loss. */
  public enum Output {
    /** Softmax over the last layer's units with the cross-entropy of the label's class. */
    SOFTMAX_CROSS_ENTROPY,
    /** One linear output unit with the squared error {@code (z - y)^2 / 2}. */
    SQUARED_ERROR
  }

  /** MLlib's default {@code blockSize}. */
  public static final int DEFAULT_BLOCK_SIZE = 128;

  private final int[] layers;
  private final Activation activation;
  private final int blockSize;
  private final double[] initialWeights;
  private final Map<String, List<String>> layouts;
  private final DenseLayer[] dense;
  private final Output outputKind;
  private final OutputLayer output;
  private transient Workspace workspace;

  /** A classifier with glorot_uniform kernels, zero biases, default layouts and blocks of 128 rows. */
  public MultilayerPerceptron(int[] layers, Activation activation) {
    this(layers, activation, DEFAULT_BLOCK_SIZE, null, Map.of());
  }

  /** A classifier (softmax cross-entropy output); see the full constructor. */
  public MultilayerPerceptron(int[] layers, Activation activation, int blockSize, double[] initialWeights,
      Map<String, List<String>> layouts) {
    this(layers, activation, Output.SOFTMAX_CROSS_ENTROPY, blockSize, initialWeights, layouts);
  }

  /**
   * @param layers {@code [inputs, hidden..., outputs]}: at least 2 sizes, each {@code >= 1}; the last
   *     is the number of classes ({@code >= 2}) for softmax, 1 for the squared error
   * @param activation of every hidden layer
   * @param output the output layer and loss
   * @param blockSize rows per matrix product, {@code >= 1}
   * @param initialWeights all weights flattened as MLlib's (see {@link #concat}), or {@code null}
   *     for the initializers
   * @param layouts layouts replacing the defaults, by variable name (empty: none)
   * @throws IllegalArgumentException naming the argument, what it allows and what it got
   */
  public MultilayerPerceptron(int[] layers, Activation activation, Output output, int blockSize,
      double[] initialWeights, Map<String, List<String>> layouts) {
    if (layers == null || layers.length < 2) {
      throw new IllegalArgumentException("layers must give at least the input size and the number of classes,"
          + " e.g. [784, 128, 10], got " + (layers == null ? "null" : Arrays.toString(layers)));
    }
    for (int size : layers) {
      if (size < 1) {
        throw new IllegalArgumentException("layers must all be >= 1, got " + Arrays.toString(layers));
      }
    }
    if (output == null) {
      throw new IllegalArgumentException("output must be one of " + Arrays.toString(Output.values()) + ", got null");
    }
    if (output == Output.SOFTMAX_CROSS_ENTROPY && layers[layers.length - 1] < 2) {
      throw new IllegalArgumentException("the last of layers is the number of classes and must be >= 2, got "
          + Arrays.toString(layers));
    }
    if (output == Output.SQUARED_ERROR && layers[layers.length - 1] != 1) {
      throw new IllegalArgumentException("the last of layers is the regression output and must be 1, got "
          + Arrays.toString(layers));
    }
    if (activation == null) {
      throw new IllegalArgumentException("activation must be one of relu, sigmoid, tanh; got null");
    }
    if (blockSize < 1) {
      throw new IllegalArgumentException("blockSize must be >= 1, got " + blockSize);
    }
    this.layers = layers.clone();
    this.activation = activation;
    this.blockSize = blockSize;
    this.dense = new DenseLayer[layers.length - 1];
    for (int l = 0; l < dense.length; l++) {
      dense[l] = new DenseLayer(layers[l], layers[l + 1]);
    }
    this.outputKind = output;
    this.output = output == Output.SQUARED_ERROR ? new SquaredError()
        : new SoftmaxCrossEntropy(layers[layers.length - 1]);
    long expected = numWeights(layers);
    if (initialWeights != null && initialWeights.length != expected) {
      throw new IllegalArgumentException("initialWeights must have " + expected + " values for layers "
          + Arrays.toString(layers) + " (per layer in * out kernel values, then out biases), got "
          + initialWeights.length);
    }
    this.initialWeights = initialWeights == null ? null : initialWeights.clone();
    Map<String, List<String>> given = new LinkedHashMap<>(layouts == null ? Map.of() : layouts);
    List<String> names = variableNames();
    for (String name : given.keySet()) {
      if (!names.contains(name)) {
        throw new IllegalArgumentException("layouts names variable '" + name + "', which this network does not have;"
            + " its variables are " + names);
      }
    }
    this.layouts = Map.copyOf(given);
    variables(); // checks the layouts' ranks, naming the variable
  }

  /** Number of weights (kernels and biases) of a network with these layer sizes. */
  public static long numWeights(int[] layers) {
    long n = 0;
    for (int l = 0; l + 1 < layers.length; l++) {
      n += (long) layers[l] * layers[l + 1] + layers[l + 1];
    }
    return n;
  }

  /** The layer sizes {@code [inputs, hidden..., classes]}. */
  public int[] layers() {
    return layers.clone();
  }

  /** The output layer and its loss. */
  public Output output() {
    return outputKind;
  }

  /** The activation of the hidden layers. */
  public Activation activation() {
    return activation;
  }

  /** The most rows one matrix product takes. */
  public int blockSize() {
    return blockSize;
  }

  private List<String> variableNames() {
    List<String> names = new ArrayList<>();
    for (int l = 0; l < dense.length; l++) {
      names.add(layerName(l) + "/kernel");
      names.add(layerName(l) + "/bias");
    }
    return names;
  }

  private static String layerName(int l) {
    return l == 0 ? "dense" : "dense_" + l;
  }

  @Override
  public List<VariableSpec> variables() {
    List<VariableSpec> specs = new ArrayList<>();
    double[][] given = initialWeights == null ? null : split(initialWeights);
    for (int l = 0; l < dense.length; l++) {
      boolean columnParallel = l % 2 == 0;
      String kernel = layerName(l) + "/kernel";
      String bias = layerName(l) + "/bias";
      List<String> kernelLayout = columnParallel ? List.of("unsharded", "model") : List.of("model", "unsharded");
      List<String> biasLayout = List.of(columnParallel ? "model" : "unsharded");
      specs.add(new VariableSpec(kernel, new int[] {layers[l], layers[l + 1]},
          given == null ? Initializers.glorotUniform() : Initializers.given(given[2 * l]), true, l == 0,
          layouts.getOrDefault(kernel, kernelLayout)));
      specs.add(new VariableSpec(bias, new int[] {layers[l + 1]},
          given == null ? Initializers.zeros() : Initializers.given(given[2 * l + 1]), false, false,
          layouts.getOrDefault(bias, biasLayout)));
    }
    return specs;
  }

  @Override
  public int numFeatures() {
    return layers[0];
  }

  @Override
  public int numOutputs() {
    return layers[layers.length - 1];
  }

  @Override
  public void validateLabel(double label) {
    output.validateLabel(label);
  }

  /**
   * {@inheritDoc}
   *
   * <p>A sparse block may be renumbered onto the features its batch touches ({@link
   * InstanceBlock#onRows}), with only those rows of {@code dense/kernel} in {@code weights[0]} and
   * {@code gradients[0]}: the first layer reaches its kernel only through the block's column
   * indices, so the sums are the same bit for bit.
   */
  @Override
  public double accumulate(InstanceBlock block, double[][] weights, double[][] gradients) {
    int inputs = block.numFeatures();
    if (block.isSparse() ? inputs > layers[0] : inputs != layers[0]) {
      throw new IllegalArgumentException("the block has " + inputs + " features, the network takes " + layers[0]);
    }
    checkArrays(weights, "weights", inputs);
    checkArrays(gradients, "gradients", inputs);
    int n = block.numRows();
    Workspace ws = workspace(Math.min(n, blockSize));
    double lossSum = 0.0;
    for (int from = 0; from < n; from += blockSize) {
      int rows = Math.min(blockSize, n - from);
      forward(block, from, rows, weights, ws.activations);
      int last = dense.length - 1;
      lossSum += output.lossAndDelta(ws.activations[last], rows, block.labels(), block.weights(), from);
      for (int l = last; l >= 0; l--) {
        double[] delta = l == last ? ws.activations[last] : ws.deltas[l];
        if (l == 0) {
          if (block.isSparse()) {
            dense[0].backwardSparse(block.rowPtr(), block.colIndices(), block.csrValues(), from, rows, delta,
                gradients[0], gradients[1]);
          } else {
            dense[0].backward(block.denseValues(), from * layers[0], rows, delta, weights[0], gradients[0],
                gradients[1], null);
          }
        } else {
          dense[l].backward(ws.activations[l - 1], 0, rows, delta, weights[2 * l], gradients[2 * l],
              gradients[2 * l + 1], ws.deltas[l - 1]);
          activation.backward(ws.activations[l - 1], ws.deltas[l - 1], rows * layers[l]);
        }
      }
    }
    return lossSum;
  }

  /** Layer outputs of rows {@code from .. from + rows - 1}: activations of the hidden layers, logits last. */
  private void forward(InstanceBlock block, int from, int rows, double[][] weights, double[][] activations) {
    if (block.isSparse()) {
      dense[0].forwardSparse(block.rowPtr(), block.colIndices(), block.csrValues(), from, rows, weights[0],
          weights[1], activations[0]);
    } else {
      dense[0].forward(block.denseValues(), from * layers[0], rows, weights[0], weights[1], activations[0]);
    }
    for (int l = 1; l < dense.length; l++) {
      activation.forward(activations[l - 1], rows * layers[l]);
      dense[l].forward(activations[l - 1], 0, rows, weights[2 * l], weights[2 * l + 1], activations[l]);
    }
  }

  /** The output units of one row: logits, or the regression output (allocates one buffer per layer). */
  @Override
  public double[] outputs(Vector features, double[][] weights) {
    checkArrays(weights, "weights", layers[0]);
    if (features.size() != layers[0]) {
      throw new IllegalArgumentException("features must have size " + layers[0] + ", got " + features.size());
    }
    double[][] activations = new double[dense.length][];
    for (int l = 0; l < dense.length; l++) {
      activations[l] = new double[layers[l + 1]];
    }
    if (features instanceof SparseVector sv) {
      dense[0].forwardSparse(new int[] {0, sv.indices().length}, sv.indices(), sv.values(), 0, 1, weights[0],
          weights[1], activations[0]);
    } else {
      double[] x = features instanceof DenseVector dv ? dv.values() : features.toArray();
      dense[0].forward(x, 0, 1, weights[0], weights[1], activations[0]);
    }
    for (int l = 1; l < dense.length; l++) {
      activation.forward(activations[l - 1], layers[l]);
      dense[l].forward(activations[l - 1], 0, 1, weights[2 * l], weights[2 * l + 1], activations[l]);
    }
    return activations[dense.length - 1];
  }

  /**
   * Checks that {@code label} is a class index {@code 0, 1, ..., numClasses - 1}.
   *
   * @throws IllegalArgumentException naming the allowed values and the label
   */
  public static void validateClassLabel(double label, int numClasses) {
    SoftmaxCrossEntropy.validateLabel(label, numClasses);
  }

  /**
   * Checks that {@code label} is a finite number (the regression output's labels).
   *
   * @throws IllegalArgumentException naming the label
   */
  public static void validateRegressionLabel(double label) {
    SquaredError.check(label);
  }

  /** Replaces one row of logits by the class probabilities (softmax), in place. */
  public static void probabilitiesInPlace(double[] logits) {
    SoftmaxCrossEntropy.softmax(logits, 0, logits.length);
  }

  /** Splits MLlib-style flattened weights into one array per variable, in {@link #variables()} order. */
  public double[][] split(double[] flat) {
    if (flat.length != numWeights(layers)) {
      throw new IllegalArgumentException("weights must have " + numWeights(layers) + " values for layers "
          + Arrays.toString(layers) + ", got " + flat.length);
    }
    double[][] out = new double[2 * dense.length][];
    int p = 0;
    for (int l = 0; l < dense.length; l++) {
      int k = layers[l] * layers[l + 1];
      out[2 * l] = Arrays.copyOfRange(flat, p, p + k);
      p += k;
      out[2 * l + 1] = Arrays.copyOfRange(flat, p, p + layers[l + 1]);
      p += layers[l + 1];
    }
    return out;
  }

  /** The variables' arrays concatenated in order: MLlib's flattened weights. */
  public static double[] concat(double[][] weights) {
    int n = 0;
    for (double[] w : weights) {
      n += w.length;
    }
    double[] flat = new double[n];
    int p = 0;
    for (double[] w : weights) {
      System.arraycopy(w, 0, flat, p, w.length);
      p += w.length;
    }
    return flat;
  }

  /** Checks one array per variable, the first kernel with {@code firstKernelRows} rows. */
  private void checkArrays(double[][] arrays, String what, int firstKernelRows) {
    if (arrays == null || arrays.length != 2 * dense.length) {
      throw new IllegalArgumentException(what + " must hold " + 2 * dense.length + " arrays (kernel and bias per"
          + " layer), got " + (arrays == null ? "null" : arrays.length));
    }
    for (int l = 0; l < dense.length; l++) {
      int kernel = (l == 0 ? firstKernelRows : layers[l]) * layers[l + 1];
      if (arrays[2 * l] == null || arrays[2 * l].length != kernel || arrays[2 * l + 1] == null
          || arrays[2 * l + 1].length != layers[l + 1]) {
        throw new IllegalArgumentException(what + " of " + layerName(l) + " must have " + kernel + " kernel and "
            + layers[l + 1] + " bias values");
      }
    }
  }

  private Workspace workspace(int rows) {
    if (workspace == null || workspace.rows < rows) {
      workspace = new Workspace(layers, rows);
    }
    return workspace;
  }

  /** Per-layer buffers of {@code rows} rows: the layer outputs, and the deltas of the hidden ones. */
  private static final class Workspace {
    final int rows;
    final double[][] activations;
    final double[][] deltas;

    Workspace(int[] layers, int rows) {
      this.rows = rows;
      int numLayers = layers.length - 1;
      activations = new double[numLayers][];
      deltas = new double[numLayers][];
      for (int l = 0; l < numLayers; l++) {
        activations[l] = new double[rows * layers[l + 1]];
        if (l < numLayers - 1) {
          deltas[l] = new double[rows * layers[l + 1]];
        }
      }
    }
  }

  @Override
  public String toString() {
    return "MultilayerPerceptron(" + Arrays.toString(layers) + ", " + activation.paramValue() + ", "
        + (outputKind == Output.SQUARED_ERROR ? "squared error" : "softmax") + ")";
  }
}
