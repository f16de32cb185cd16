package io.meshgrad.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.loss.Instance;
import io.meshgrad.loss.InstanceBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every layer's and activation's hand-derived gradient against central finite differences of the
 * summed loss (float64): dense and CSR input blocks, row weights, one to three dense layers, and a
 * block size smaller than the block so the chunking and the buffer reuse are exercised.
 */
class MlpGradientCheckTest {
  private static final double STEP = 1e-6;
  private static final double TOLERANCE = 1e-6;

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    int[][] classifiers = {{5, 3}, {5, 4, 3}, {5, 6, 4, 3}};
    int[][] regressors = {{5, 1}, {5, 4, 1}, {5, 6, 4, 1}};
    for (Activation activation : Activation.values()) {
      for (int s = 0; s < classifiers.length; s++) {
        for (boolean sparse : new boolean[] {false, true}) {
          cases.add(Arguments.of(activation, MultilayerPerceptron.Output.SOFTMAX_CROSS_ENTROPY, classifiers[s], sparse,
              !sparse));
          cases.add(Arguments.of(activation, MultilayerPerceptron.Output.SQUARED_ERROR, regressors[s], sparse, sparse));
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} {1} layers={2} sparse={3} weighted={4}")
  @MethodSource("cases")
  void gradientMatchesFiniteDifferences(Activation activation, MultilayerPerceptron.Output output, int[] layers,
      boolean sparse, boolean weighted) {
    Random rnd = new Random(7);
    MultilayerPerceptron mlp = new MultilayerPerceptron(layers, activation, output, 4, null, Map.of());
    boolean regression = output == MultilayerPerceptron.Output.SQUARED_ERROR;
    List<Instance> rows = rows(rnd, 11, layers[0], regression ? 3 : layers[layers.length - 1], weighted);
    InstanceBlock block = sparse ? InstanceBlock.sparse(rows, layers[0]) : InstanceBlock.dense(rows, layers[0]);
    double[][] w = randomWeights(mlp, rnd);
    double[][] g = zerosLike(w);
    double loss = mlp.accumulate(block, w, g);
    assertEquals(loss, mlp.accumulate(block, w, zerosLike(w)), 0.0, "the loss must not depend on the gradients");
    double largest = 0;
    for (int v = 0; v < w.length; v++) {
      for (int i = 0; i < w[v].length; i++) {
        double saved = w[v][i];
        w[v][i] = saved + STEP;
        double up = mlp.accumulate(block, w, zerosLike(w));
        w[v][i] = saved - STEP;
        double down = mlp.accumulate(block, w, zerosLike(w));
        w[v][i] = saved;
        double numeric = (up - down) / (2 * STEP);
        largest = Math.max(largest, Math.abs(numeric));
        assertEquals(numeric, g[v][i], TOLERANCE * Math.max(1, Math.abs(numeric)),
            mlp.variables().get(v).name() + "[" + i + "]");
      }
    }
    assertTrue(largest > 1e-2, "the check must not be vacuous: largest gradient " + largest);
  }

  @Test
  void outputsAreTheLogitsAccumulateUses() {
    Random rnd = new Random(3);
    MultilayerPerceptron mlp = new MultilayerPerceptron(new int[] {4, 5, 3}, Activation.TANH);
    double[][] w = randomWeights(mlp, rnd);
    Vector x = Vectors.dense(0.3, -1.2, 0.0, 2.0);
    for (int label = 0; label < 3; label++) {
      double[] logits = mlp.outputs(x, w);
      double lse = Math.log(Math.exp(logits[0]) + Math.exp(logits[1]) + Math.exp(logits[2]));
      InstanceBlock one = InstanceBlock.dense(List.of(new Instance(label, 1.0, x)), 4);
      assertEquals(lse - logits[label], mlp.accumulate(one, w, zerosLike(w)), 1e-12);
      assertEquals(logits[label], mlp.outputs(x.toSparse(), w)[label], 1e-12);
    }
  }

  @Test
  void squaredErrorOutputIsTheRegressionLoss() {
    Random rnd = new Random(5);
    MultilayerPerceptron mlp = new MultilayerPerceptron(new int[] {4, 3, 1}, Activation.SIGMOID,
        MultilayerPerceptron.Output.SQUARED_ERROR, 8, null, Map.of());
    double[][] w = randomWeights(mlp, rnd);
    Vector x = Vectors.dense(1.5, -0.2, 0.0, 0.7);
    double prediction = mlp.outputs(x, w)[0];
    InstanceBlock one = InstanceBlock.dense(List.of(new Instance(2.5, 3.0, x)), 4);
    assertEquals(3.0 * (prediction - 2.5) * (prediction - 2.5) / 2, mlp.accumulate(one, w, zerosLike(w)), 1e-12);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new MultilayerPerceptron(new int[] {4, 2},
        Activation.RELU, MultilayerPerceptron.Output.SQUARED_ERROR, 8, null, Map.of())).getMessage()
        .contains("must be 1"));
    assertThrows(IllegalArgumentException.class, () -> mlp.validateLabel(Double.NaN));
  }

  @Test
  void badConstructionFailsNamingTheArgument() {
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> new MultilayerPerceptron(new int[] {4}, Activation.RELU)).getMessage().contains("layers"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> new MultilayerPerceptron(new int[] {4, 1}, Activation.RELU)).getMessage().contains("number of classes"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> new MultilayerPerceptron(new int[] {4, 3}, Activation.RELU, 8, new double[5], Map.of()))
        .getMessage().contains("initialWeights must have 15 values"));
    String unknown = assertThrows(IllegalArgumentException.class, () -> new MultilayerPerceptron(new int[] {4, 3},
        Activation.RELU, 8, null, Map.of("dense_7/kernel", List.of("model", "unsharded")))).getMessage();
    assertTrue(unknown.contains("dense_7/kernel") && unknown.contains("dense/bias"), unknown);
    String rank = assertThrows(IllegalArgumentException.class, () -> new MultilayerPerceptron(new int[] {4, 3},
        Activation.RELU, 8, null, Map.of("dense/bias", List.of("model", "unsharded")))).getMessage();
    assertTrue(rank.contains("dense/bias"), rank);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Activation.parse("gelu")).getMessage()
        .contains("[relu, sigmoid, tanh], got 'gelu'"));
  }

  @Test
  void defaultLayoutsAreColumnThenRowParallel() {
    List<VariableSpec> specs = new MultilayerPerceptron(new int[] {6, 4, 4, 3}, Activation.RELU).variables();
    assertEquals(List.of("dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias", "dense_2/kernel",
        "dense_2/bias"), specs.stream().map(VariableSpec::name).toList());
    assertEquals(List.of("unsharded", "model"), specs.get(0).layout());
    assertEquals(List.of("model"), specs.get(1).layout());
    assertEquals(List.of("model", "unsharded"), specs.get(2).layout());
    assertEquals(List.of("unsharded"), specs.get(3).layout());
    assertEquals(List.of("unsharded", "model"), specs.get(4).layout());
    assertTrue(specs.get(0).featureIndexed() && !specs.get(2).featureIndexed());
    assertTrue(specs.get(0).regularized() && !specs.get(1).regularized());
  }

  static List<Instance> rows(Random rnd, int n, int numFeatures, int numClasses, boolean weighted) {
    List<Instance> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double[] x = new double[numFeatures];
      for (int j = 0; j < numFeatures; j++) {
        x[j] = rnd.nextDouble() < 0.4 ? 0.0 : rnd.nextGaussian();
      }
      rows.add(new Instance(rnd.nextInt(numClasses), weighted ? 0.5 + rnd.nextDouble() : 1.0, Vectors.dense(x)));
    }
    return rows;
  }

  static double[][] randomWeights(BlockModel model, Random rnd) {
    List<VariableSpec> specs = model.variables();
    double[][] w = new double[specs.size()][];
    for (int v = 0; v < w.length; v++) {
      w[v] = new double[specs.get(v).size()];
      for (int i = 0; i < w[v].length; i++) {
        w[v][i] = rnd.nextGaussian() * 0.7;
      }
    }
    return w;
  }

  static double[][] zerosLike(double[][] w) {
    double[][] z = new double[w.length][];
    for (int v = 0; v < w.length; v++) {
      z[v] = new double[w[v].length];
    }
    return z;
  }
}
