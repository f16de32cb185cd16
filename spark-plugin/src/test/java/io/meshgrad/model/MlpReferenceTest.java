package io.meshgrad.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ludovic.netlib.blas.BLAS;
import io.meshgrad.loss.Instance;
import io.meshgrad.loss.InstanceBlock;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.GradientAndVariable;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A 2-layer network (one hidden layer) fitted a few full-batch steps in process, through {@link
 * MultilayerPerceptron#accumulate} and {@link Adagrad}, equals bit for bit in float64 a plain-Java
 * loop written here from the formulas alone: explicit loops for the forward and backward passes,
 * the softmax cross-entropy and Keras' Adagrad update (learning rate a float32 cast to float64).
 * Blocks of 13 and 10 rows, each one matrix product (blockSize 16).
 */
class MlpReferenceTest {
  private static final int IN = 7;
  private static final int HIDDEN = 5;
  private static final int CLASSES = 3;
  private static final double LR = 0.1;
  /** Keras keeps the learning rate in a float32 variable and casts it to the variable's dtype. */
  private static final double LR_AS_KERAS_CASTS_IT = (double) (float) LR;
  private static final double INIT_ACC = 0.1;
  private static final double EPS = 1e-7;

  @Test
  void fewStepsEqualThePlainJavaLoopBitForBit() {
    assumeTrue(BLAS.getInstance() instanceof dev.ludovic.netlib.blas.JavaBLAS,
        "the reference reproduces the rounding of the pure-Java BLAS (fused multiply-add dot products); this JVM"
            + " loaded a native BLAS, " + BLAS.getInstance().getClass().getName());
    for (Activation activation : Activation.values()) {
      Random rnd = new Random(11);
      List<Instance> rows = MlpGradientCheckTest.rows(rnd, 23, IN, CLASSES, true);
      MultilayerPerceptron mlp = new MultilayerPerceptron(new int[] {IN, HIDDEN, CLASSES}, activation, 16, null,
          Map.of());
      double[][] start = MlpGradientCheckTest.randomWeights(mlp, rnd);

      double[][] fitted = fitWithModel(mlp, rows, start, 6);
      double[][] reference = fitReference(activation, List.of(rows.subList(0, 13), rows.subList(13, rows.size())),
          start, 6);
      for (int v = 0; v < fitted.length; v++) {
        assertArrayEquals(reference[v], fitted[v], 0.0, activation + " " + mlp.variables().get(v).name());
      }
    }
  }

  private static double[][] fitWithModel(MultilayerPerceptron mlp, List<Instance> rows, double[][] start,
      int steps) {
    InstanceBlock first = InstanceBlock.dense(rows.subList(0, 13), IN);
    InstanceBlock second = InstanceBlock.dense(rows.subList(13, rows.size()), IN);
    double weightSum = first.weightSum() + second.weightSum();
    List<VariableSpec> specs = mlp.variables();
    List<Variable> vars = new ArrayList<>();
    for (int v = 0; v < start.length; v++) {
      vars.add(new Variable(specs.get(v).name(), Tensor.of(start[v].clone(), specs.get(v).shape())));
    }
    Adagrad opt = Adagrad.builder().learningRate(LR).initialAccumulatorValue(INIT_ACC).epsilon(EPS).build();
    for (int step = 0; step < steps; step++) {
      double[][] w = new double[vars.size()][];
      double[][] g = new double[vars.size()][];
      for (int v = 0; v < w.length; v++) {
        w[v] = vars.get(v).read().toDoubleArray();
        g[v] = new double[w[v].length];
      }
      mlp.accumulate(first, w, g);
      mlp.accumulate(second, w, g);
      List<GradientAndVariable> pairs = new ArrayList<>();
      for (int v = 0; v < w.length; v++) {
        for (int i = 0; i < g[v].length; i++) {
          g[v][i] /= weightSum;
        }
        pairs.add(new GradientAndVariable(Tensor.of(g[v], specs.get(v).shape()), vars.get(v)));
      }
      opt.applyGradients(pairs);
    }
    double[][] out = new double[vars.size()][];
    for (int v = 0; v < out.length; v++) {
      out[v] = vars.get(v).read().toDoubleArray();
    }
    return out;
  }

  /**
   * The same fit with nothing but loops: weights W1[i][h], b1[h], W2[h][k], b2[k]. Every dot product
   * (of a matrix product) is accumulated from zero with fused multiply-adds and then added where it
   * goes, the rounding of the JVM's BLAS; the model sums each block's matrix products that way.
   */
  private static double[][] fitReference(Activation activation, List<List<Instance>> blocks, double[][] start,
      int steps) {
    double[][] w = {start[0].clone(), start[1].clone(), start[2].clone(), start[3].clone()};
    double[][] acc = new double[4][];
    for (int v = 0; v < 4; v++) {
      acc[v] = new double[w[v].length];
      java.util.Arrays.fill(acc[v], INIT_ACC);
    }
    double weightSum = 0; // the sum of the blocks' sums, as the training data adds them up
    for (List<Instance> block : blocks) {
      double blockSum = 0;
      for (Instance r : block) {
        blockSum += r.weight();
      }
      weightSum += blockSum;
    }
    for (int step = 0; step < steps; step++) {
      double[][] g = {new double[IN * HIDDEN], new double[HIDDEN], new double[HIDDEN * CLASSES], new double[CLASSES]};
      for (List<Instance> block : blocks) {
        int n = block.size();
        double[][] x = new double[n][];
        double[][] h = new double[n][HIDDEN];
        double[][] d = new double[n][CLASSES];
        double[][] dh = new double[n][HIDDEN];
        for (int r = 0; r < n; r++) {
          x[r] = block.get(r).features().toArray();
          for (int j = 0; j < HIDDEN; j++) {
            double dot = 0;
            for (int i = 0; i < IN; i++) {
              dot = Math.fma(x[r][i], w[0][i * HIDDEN + j], dot);
            }
            double z = dot + w[1][j];
            h[r][j] = switch (activation) {
              case RELU -> z > 0 ? z : 0.0;
              case SIGMOID -> 1.0 / (1.0 + Math.exp(-z));
              case TANH -> Math.tanh(z);
            };
          }
          double[] logits = new double[CLASSES];
          double max = Double.NEGATIVE_INFINITY;
          for (int k = 0; k < CLASSES; k++) {
            double dot = 0;
            for (int j = 0; j < HIDDEN; j++) {
              dot = Math.fma(h[r][j], w[2][j * CLASSES + k], dot);
            }
            logits[k] = dot + w[3][k];
            max = Math.max(max, logits[k]);
          }
          double sum = 0;
          double[] e = new double[CLASSES];
          for (int k = 0; k < CLASSES; k++) {
            e[k] = Math.exp(logits[k] - max);
            sum += e[k];
          }
          double a = block.get(r).weight();
          int y = (int) block.get(r).label();
          for (int k = 0; k < CLASSES; k++) {
            d[r][k] = a * (e[k] / sum - (k == y ? 1.0 : 0.0));
          }
          for (int j = 0; j < HIDDEN; j++) {
            double dot = 0;
            for (int k = 0; k < CLASSES; k++) {
              dot = Math.fma(w[2][j * CLASSES + k], d[r][k], dot);
            }
            double derivative = switch (activation) {
              case RELU -> h[r][j] > 0 ? 1.0 : 0.0;
              case SIGMOID -> h[r][j] * (1.0 - h[r][j]);
              case TANH -> 1.0 - h[r][j] * h[r][j];
            };
            dh[r][j] = dot * derivative;
          }
        }
        for (int j = 0; j < HIDDEN; j++) {
          for (int k = 0; k < CLASSES; k++) {
            double dot = 0;
            for (int r = 0; r < n; r++) {
              dot = Math.fma(h[r][j], d[r][k], dot);
            }
            g[2][j * CLASSES + k] += dot;
          }
        }
        for (int i = 0; i < IN; i++) {
          for (int j = 0; j < HIDDEN; j++) {
            double dot = 0;
            for (int r = 0; r < n; r++) {
              dot = Math.fma(x[r][i], dh[r][j], dot);
            }
            g[0][i * HIDDEN + j] += dot;
          }
        }
        for (int r = 0; r < n; r++) {
          for (int k = 0; k < CLASSES; k++) {
            g[3][k] += d[r][k];
          }
          for (int j = 0; j < HIDDEN; j++) {
            g[1][j] += dh[r][j];
          }
        }
      }
      for (int v = 0; v < 4; v++) {
        for (int i = 0; i < w[v].length; i++) {
          double grad = g[v][i] / weightSum;
          acc[v][i] += grad * grad;
          w[v][i] -= LR_AS_KERAS_CASTS_IT * grad / Math.sqrt(acc[v][i] + EPS);
        }
      }
    }
    return w;
  }
}
