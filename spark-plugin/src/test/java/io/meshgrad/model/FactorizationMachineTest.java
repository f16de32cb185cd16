package io.meshgrad.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.Instance;
import io.meshgrad.loss.InstanceBlock;
import io.meshgrad.loss.LeastSquaresLoss;
import io.meshgrad.mesh.Layout;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The factorization machine's forward and backward passes. */
class FactorizationMachineTest {
  private static final int D = 7;
  private static final int K = 3;
  private static final double STEP = 1e-5;
  private static final double TOLERANCE = 1e-6;

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (String loss : List.of("logistic", "squared")) {
      for (boolean sparse : new boolean[] {true, false}) {
        for (boolean fitIntercept : new boolean[] {true, false}) {
          for (boolean fitLinear : new boolean[] {true, false}) {
            cases.add(Arguments.of(loss, sparse, fitIntercept, fitLinear, !fitLinear));
          }
        }
      }
    }
    return cases.stream();
  }

  /** The weighted mean loss over the blocks, and its gradient, from {@code accumulate}. */
  private static double objective(FactorizationMachine fm, List<InstanceBlock> blocks, double[][] w,
      double[][] gradients) {
    double lossSum = 0.0;
    double weightSum = 0.0;
    for (InstanceBlock b : blocks) {
      lossSum += fm.accumulate(b, w, gradients);
      weightSum += b.weightSum();
    }
    for (double[] g : gradients) {
      for (int i = 0; i < g.length; i++) {
        g[i] /= weightSum;
      }
    }
    return lossSum / weightSum;
  }

  @ParameterizedTest(name = "{0} sparse={1} fitIntercept={2} fitLinear={3} weighted={4}")
  @MethodSource("cases")
  void gradientMatchesFiniteDifferences(String lossName, boolean sparse, boolean fitIntercept, boolean fitLinear,
      boolean weighted) {
    Random rnd = new Random(7);
    FactorizationMachine fm = new FactorizationMachine(D, K, fitIntercept, fitLinear, 0.1, FmTestData.loss(lossName));
    List<Instance> rows = FmTestData.rows(rnd, 30, D, 0.5, lossName, weighted);
    // A larger block before a smaller one exercises the reuse of the scratch arrays.
    List<InstanceBlock> blocks = List.of(FmTestData.block(rows.subList(0, 20), D, sparse),
        FmTestData.block(rows.subList(20, 30), D, sparse));
    double[][] w = FmTestData.weights(fm, rnd, 0.7);
    double[][] analytic = FmTestData.zerosLike(w);
    objective(fm, blocks, w, analytic);
    for (int v = 0; v < w.length; v++) {
      String name = fm.variables().get(v).name();
      double norm = 0.0;
      for (int i = 0; i < w[v].length; i++) {
        double saved = w[v][i];
        w[v][i] = saved + STEP;
        double plus = objective(fm, blocks, w, FmTestData.zerosLike(w));
        w[v][i] = saved - STEP;
        double minus = objective(fm, blocks, w, FmTestData.zerosLike(w));
        w[v][i] = saved;
        double numeric = (plus - minus) / (2 * STEP);
        assertEquals(numeric, analytic[v][i], TOLERANCE * (1 + Math.abs(numeric)), name + "[" + i + "]");
        norm += analytic[v][i] * analytic[v][i];
      }
      assertTrue(norm > 1e-6, "the check of " + name + " must not be vacuous");
    }
  }

  @Test
  void sparseBlockWritesOnlyTheRowsOfItsFeatures() {
    Random rnd = new Random(3);
    int d = 50;
    FactorizationMachine fm = new FactorizationMachine(d, K, true, true, 0.1, new BinaryLogisticLoss());
    List<Instance> rows = FmTestData.rows(rnd, 6, d, 0.05, "logistic", false);
    Set<Integer> touched = new HashSet<>();
    for (Instance r : rows) {
      for (int j : ((SparseVector) r.features()).indices()) {
        touched.add(j);
      }
    }
    assertTrue(touched.size() < d / 2, "the rows must leave most features untouched, touch " + touched.size());
    double[][] w = FmTestData.weights(fm, rnd, 0.5);
    double[][] g = FmTestData.zerosLike(w);
    double sentinel = 7.25;
    for (double[] a : g) {
      Arrays.fill(a, sentinel);
    }
    fm.accumulate(InstanceBlock.sparse(rows, d), w, g);
    double[] linear = g[fm.linearIndex()];
    double[] factors = g[fm.factorsIndex()];
    for (int j = 0; j < d; j++) {
      for (int f = 0; f < K; f++) {
        boolean same = factors[j * K + f] == sentinel;
        assertEquals(!touched.contains(j), same, "factors row " + j + " written: " + !same);
      }
      assertEquals(!touched.contains(j), linear[j] == sentinel, "linear[" + j + "]");
    }
  }

  @Test
  void denseAndSparseBlocksGiveIdenticalResults() {
    Random rnd = new Random(11);
    FactorizationMachine fm = new FactorizationMachine(D, K, true, true, 0.1, new LeastSquaresLoss());
    List<Instance> rows = FmTestData.rows(rnd, 25, D, 0.6, "squared", true);
    double[][] w = FmTestData.weights(fm, rnd, 0.5);
    double[][] dense = FmTestData.zerosLike(w);
    double[][] sparse = FmTestData.zerosLike(w);
    double lossDense = fm.accumulate(InstanceBlock.dense(rows, D), w, dense);
    double lossSparse = fm.accumulate(InstanceBlock.sparse(rows, D), w, sparse);
    assertEquals(lossDense, lossSparse, 0.0);
    for (int v = 0; v < w.length; v++) {
      assertArrayEquals(dense[v], sparse[v], 0.0, fm.variables().get(v).name());
    }
  }

  /** The O(k n) margin equals Rendle's pairwise definition, for one vector and for a block. */
  @Test
  void outputsEqualThePairwiseDefinition() {
    Random rnd = new Random(5);
    FactorizationMachine fm = new FactorizationMachine(D, K, true, true, 0.1, new LeastSquaresLoss());
    double[][] w = FmTestData.weights(fm, rnd, 0.8);
    List<Instance> rows = FmTestData.rows(rnd, 10, D, 0.7, "squared", false);
    double[][] g = FmTestData.zerosLike(w);
    double[] b = w[fm.interceptIndex()];
    double[] lin = w[fm.linearIndex()];
    double[] v = w[fm.factorsIndex()];
    double lossSum = 0.0;
    for (Instance r : rows) {
      double[] x = r.features().toArray();
      double expected = b[0];
      for (int j = 0; j < D; j++) {
        expected += lin[j] * x[j];
        for (int l = j + 1; l < D; l++) {
          double dot = 0.0;
          for (int f = 0; f < K; f++) {
            dot += v[j * K + f] * v[l * K + f];
          }
          expected += dot * x[j] * x[l];
        }
      }
      assertEquals(expected, fm.outputs(r.features(), w)[0], 1e-12);
      assertEquals(expected, fm.outputs(Vectors.dense(x), w)[0], 1e-12);
      lossSum += 0.5 * (expected - r.label()) * (expected - r.label());
    }
    assertEquals(lossSum, fm.accumulate(InstanceBlock.sparse(rows, D), w, g), 1e-10);
  }

  @Test
  void declaresItsVariables() {
    FactorizationMachine fm = new FactorizationMachine(100, 8, true, true, 0.01, new BinaryLogisticLoss());
    List<VariableSpec> specs = fm.variables();
    assertEquals(List.of("intercept", "linear", "factors"), specs.stream().map(VariableSpec::name).toList());
    assertArrayEquals(new int[] {1}, specs.get(0).shape());
    assertFalse(specs.get(0).regularized());
    assertFalse(specs.get(0).featureIndexed());
    assertEquals(List.of(Layout.UNSHARDED), specs.get(0).layout());
    assertArrayEquals(new int[] {100}, specs.get(1).shape());
    assertTrue(specs.get(1).regularized() && specs.get(1).featureIndexed());
    assertArrayEquals(new int[] {100, 8}, specs.get(2).shape());
    assertTrue(specs.get(2).regularized() && specs.get(2).featureIndexed());
    assertNull(specs.get(2).layout(), "factors take the default layout: axis 0 on the model dimension");
    double[] v0 = specs.get(2).initializer().values(specs.get(2).shape(), 42);
    double sumSq = 0.0;
    for (double x : v0) {
      sumSq += x * x;
    }
    assertEquals(0.01, Math.sqrt(sumSq / v0.length), 0.001, "factors start normal with std initStd");
    assertEquals(1, fm.numOutputs());

    FactorizationMachine bare = new FactorizationMachine(10, 2, false, false, 0.01, new LeastSquaresLoss());
    assertEquals(List.of("factors"), bare.variables().stream().map(VariableSpec::name).toList());
    assertEquals(-1, bare.interceptIndex());
    assertEquals(-1, bare.linearIndex());
    assertEquals(0, bare.factorsIndex());
  }

  @Test
  void rejectsBadArgumentsByName() {
    BinaryLogisticLoss loss = new BinaryLogisticLoss();
    assertMessage("numFeatures must be >= 1, got 0", () -> new FactorizationMachine(0, 2, true, true, 0.01, loss));
    assertMessage("factorSize must be >= 1, got 0", () -> new FactorizationMachine(5, 0, true, true, 0.01, loss));
    assertMessage("initStd must be a finite number >= 0, got -1.0",
        () -> new FactorizationMachine(5, 2, true, true, -1, loss));
    assertMessage("initStd must be a finite number >= 0, got NaN",
        () -> new FactorizationMachine(5, 2, true, true, Double.NaN, loss));
    assertMessage("loss must be", () -> new FactorizationMachine(5, 2, true, true, 0.01, null));
    assertMessage("numFeatures * factorSize must fit one Java array",
        () -> new FactorizationMachine(1 << 28, 16, true, true, 0.01, loss));
    FactorizationMachine fm = new FactorizationMachine(5, 2, true, true, 0.01, loss);
    assertMessage("label must be 0 or 1", () -> fm.validateLabel(2.0));
    double[][] w = FmTestData.weights(fm, new Random(1), 0.1);
    assertMessage("features must have size 5 (numFeatures), got size 4",
        () -> fm.outputs(Vectors.dense(1, 2, 3, 4), w));
    assertMessage("weights of factors must have length 10, got 9",
        () -> fm.outputs(Vectors.dense(1, 2, 3, 4, 5), new double[][] {w[0], w[1], new double[9]}));
    List<Instance> rows = FmTestData.rows(new Random(2), 3, 6, 0.5, "logistic", false);
    assertMessage("block must have 5 features (numFeatures), got 6",
        () -> fm.accumulate(InstanceBlock.sparse(rows, 6), w, FmTestData.zerosLike(w)));
    List<Instance> fits = FmTestData.rows(new Random(2), 3, 5, 0.5, "logistic", false);
    assertMessage("gradients must hold 3 arrays (one per variable [intercept, linear, factors]), got 2",
        () -> fm.accumulate(InstanceBlock.sparse(fits, 5), w, new double[2][]));
  }

  /** Spark ships the model to every task: it must survive Java serialization and work after it. */
  @Test
  void survivesSerialization() throws Exception {
    FactorizationMachine fm = new FactorizationMachine(D, K, true, true, 0.1, new BinaryLogisticLoss());
    Random rnd = new Random(9);
    double[][] w = FmTestData.weights(fm, rnd, 0.5);
    List<Instance> rows = FmTestData.rows(rnd, 5, D, 0.5, "logistic", false);
    double[][] before = FmTestData.zerosLike(w);
    double lossBefore = fm.accumulate(InstanceBlock.sparse(rows, D), w, before);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(fm);
    }
    FactorizationMachine copy;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (FactorizationMachine) in.readObject();
    }
    double[][] after = FmTestData.zerosLike(w);
    assertEquals(lossBefore, copy.accumulate(InstanceBlock.sparse(rows, D), w, after), 0.0);
    for (int v = 0; v < w.length; v++) {
      assertArrayEquals(before[v], after[v], 0.0);
    }
    Vector x = rows.get(0).features();
    assertEquals(fm.outputs(x, w)[0], copy.outputs(x, w)[0], 0.0);
  }

  private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(e.getMessage().contains(expected), "expected a message containing '" + expected + "', got '"
        + e.getMessage() + "'");
  }
}
