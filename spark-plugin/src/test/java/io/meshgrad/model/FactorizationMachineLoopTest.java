package io.meshgrad.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.loss.Instance;
import io.meshgrad.loss.InstanceBlock;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.GradientAndVariable;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A factorization machine trained in process through {@link FactorizationMachine#accumulate} over
 * blocks and meshgrad's {@link Adagrad}, against a straightforward loop over the rows with Adagrad
 * written out: in float64 the weights are equal bit for bit (squared loss, whose derivative the
 * loop writes exactly as the loss does), or to rounding for the logistic loss (the loop uses the
 * textbook sigmoid, the loss a form that cannot overflow).
 */
class FactorizationMachineLoopTest {
  private static final int D = 12;
  private static final int K = 4;
  private static final int STEPS = 25;
  private static final double LEARNING_RATE = 0.125;
  private static final double REG_PARAM = 0.01;
  private static final double INITIAL_ACCUMULATOR = 0.1;
  private static final double EPSILON = 1e-7;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"squared", "logistic"})
  void blockTrainingEqualsAPlainLoop(String lossName) {
    FactorizationMachine fm = new FactorizationMachine(D, K, true, true, 0.3, FmTestData.loss(lossName));
    List<Instance> rows = FmTestData.rows(new Random(21), 60, D, 0.4, lossName, true);
    // Sparse and dense blocks of different sizes, rows in order.
    List<InstanceBlock> blocks = List.of(InstanceBlock.sparse(rows.subList(0, 25), D),
        InstanceBlock.dense(rows.subList(25, 40), D), InstanceBlock.sparse(rows.subList(40, 60), D));
    double[][] initial = new double[fm.variables().size()][];
    for (int v = 0; v < initial.length; v++) {
      VariableSpec spec = fm.variables().get(v);
      initial[v] = spec.initializer().values(spec.shape(), 100 + v);
    }

    double[][] viaBlocks = trainWithBlocks(fm, blocks, initial);
    double[][] viaLoop = trainWithLoop(rows, initial, lossName.equals("logistic"));

    for (int v = 0; v < initial.length; v++) {
      String name = fm.variables().get(v).name();
      if (lossName.equals("squared")) {
        assertArrayEquals(viaLoop[v], viaBlocks[v], 0.0, name + " must be bit-identical");
      } else {
        assertArrayEquals(viaLoop[v], viaBlocks[v], 1e-12, name);
      }
      double moved = 0.0;
      for (int i = 0; i < initial[v].length; i++) {
        moved = Math.max(moved, Math.abs(viaBlocks[v][i] - initial[v][i]));
      }
      assertTrue(moved > 1e-3, name + " must have been trained, moved " + moved);
    }
  }

  /** The model's kernels and meshgrad's optimizer, as the trainer uses them. */
  private static double[][] trainWithBlocks(FactorizationMachine fm, List<InstanceBlock> blocks, double[][] initial) {
    List<VariableSpec> specs = fm.variables();
    List<Variable> vars = new ArrayList<>();
    for (int v = 0; v < specs.size(); v++) {
      vars.add(new Variable(specs.get(v).name(), Tensor.of(initial[v].clone(), specs.get(v).shape())));
    }
    Adagrad opt = Adagrad.builder().learningRate(LEARNING_RATE).initialAccumulatorValue(INITIAL_ACCUMULATOR)
        .epsilon(EPSILON).build();
    double weightSum = weightSum(blocks.stream().flatMap(b -> java.util.stream.IntStream.range(0, b.numRows())
        .mapToObj(b::row)).toList());
    double firstLoss = Double.NaN;
    double lastLoss = Double.NaN;
    for (int step = 0; step < STEPS; step++) {
      double[][] w = new double[vars.size()][];
      for (int v = 0; v < w.length; v++) {
        w[v] = vars.get(v).value().doubles().clone();
      }
      double[][] g = FmTestData.zerosLike(w);
      double lossSum = 0.0;
      for (InstanceBlock b : blocks) {
        lossSum += fm.accumulate(b, w, g);
      }
      List<GradientAndVariable> update = new ArrayList<>();
      for (int v = 0; v < w.length; v++) {
        boolean l2 = specs.get(v).regularized();
        for (int i = 0; i < g[v].length; i++) {
          g[v][i] = g[v][i] / weightSum + (l2 ? REG_PARAM * w[v][i] : 0.0);
        }
        update.add(new GradientAndVariable(Tensor.of(g[v], specs.get(v).shape()), vars.get(v)));
      }
      opt.applyGradients(update);
      lastLoss = lossSum / weightSum;
      if (step == 0) {
        firstLoss = lastLoss;
      }
    }
    assertTrue(lastLoss < firstLoss, "the loss must fall: " + firstLoss + " -> " + lastLoss);
    double[][] out = new double[vars.size()][];
    for (int v = 0; v < out.length; v++) {
      assertEquals(DType.FLOAT64, vars.get(v).dtype());
      out[v] = vars.get(v).value().doubles().clone();
    }
    return out;
  }

  /** The normaliser, summed the same way for both (how the trainer sums it is not this test's subject). */
  private static double weightSum(List<Instance> rows) {
    double sum = 0.0;
    for (Instance r : rows) {
      sum += r.weight();
    }
    return sum;
  }

  /** Rendle's O(k n) formulas and Keras' Adagrad, one row and one coordinate at a time. */
  private static double[][] trainWithLoop(List<Instance> rows, double[][] initial, boolean logistic) {
    double[] b = initial[0].clone();
    double[] lin = initial[1].clone();
    double[] v = initial[2].clone();
    double[][] params = {b, lin, v};
    double[][] acc = new double[3][];
    for (int p = 0; p < 3; p++) {
      acc[p] = new double[params[p].length];
      java.util.Arrays.fill(acc[p], INITIAL_ACCUMULATOR);
    }
    double lr = (float) LEARNING_RATE; // Keras keeps the learning rate in float32
    double weightSum = weightSum(rows);
    for (int step = 0; step < STEPS; step++) {
      double[] gb = new double[1];
      double[] glin = new double[D];
      double[] gv = new double[D * K];
      for (Instance r : rows) {
        org.apache.spark.ml.linalg.SparseVector x = (org.apache.spark.ml.linalg.SparseVector) r.features();
        int[] idx = x.indices();
        double[] val = x.values();
        double[] s = new double[K];
        double linear = 0.0;
        double squares = 0.0;
        for (int p = 0; p < idx.length; p++) {
          linear += lin[idx[p]] * val[p];
          for (int f = 0; f < K; f++) {
            double vx = v[idx[p] * K + f] * val[p];
            s[f] += vx;
            squares += vx * vx;
          }
        }
        double sumSq = 0.0;
        for (int f = 0; f < K; f++) {
          sumSq += s[f] * s[f];
        }
        double m = b[0] + linear + 0.5 * (sumSq - squares);
        double dldm = logistic ? 1.0 / (1.0 + Math.exp(-m)) - r.label() : m - r.label();
        double g = r.weight() * dldm;
        for (int p = 0; p < idx.length; p++) {
          int j = idx[p];
          double gx = g * val[p];
          glin[j] += gx;
          for (int f = 0; f < K; f++) {
            gv[j * K + f] += gx * (s[f] - v[j * K + f] * val[p]);
          }
        }
        gb[0] += g;
      }
      double[][] grads = {gb, glin, gv};
      for (int p = 0; p < 3; p++) {
        for (int i = 0; i < params[p].length; i++) {
          double gi = grads[p][i] / weightSum + (p > 0 ? REG_PARAM * params[p][i] : 0.0);
          acc[p][i] = acc[p][i] + gi * gi;
          params[p][i] = params[p][i] - (lr * gi) / Math.sqrt(acc[p][i] + EPSILON);
        }
      }
    }
    return params;
  }
}
