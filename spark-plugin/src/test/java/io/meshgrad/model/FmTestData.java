package io.meshgrad.model;

import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.Instance;
import io.meshgrad.loss.InstanceBlock;
import io.meshgrad.loss.LeastSquaresLoss;
import io.meshgrad.loss.ScalarMarginLoss;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.Vectors;

/** Small random problems for the factorization machine's tests. */
final class FmTestData {
  private FmTestData() {}

  static ScalarMarginLoss loss(String name) {
    return name.equals("logistic") ? new BinaryLogisticLoss() : new LeastSquaresLoss();
  }

  /**
   * {@code n} rows of {@code d} features, each feature non-zero with probability {@code density}
   * (values in [-1, 1]); labels 0/1 for logistic, real for squared; weights in [0.5, 2] when
   * {@code weighted}.
   */
  static List<Instance> rows(Random rnd, int n, int d, double density, String loss, boolean weighted) {
    List<Instance> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<Integer> indices = new ArrayList<>();
      List<Double> values = new ArrayList<>();
      for (int j = 0; j < d; j++) {
        if (rnd.nextDouble() < density) {
          indices.add(j);
          values.add(2 * rnd.nextDouble() - 1);
        }
      }
      double label = loss.equals("logistic") ? (rnd.nextBoolean() ? 1.0 : 0.0) : rnd.nextGaussian();
      double weight = weighted ? 0.5 + 1.5 * rnd.nextDouble() : 1.0;
      rows.add(new Instance(label, weight, Vectors.sparse(d, indices.stream().mapToInt(Integer::intValue).toArray(),
          values.stream().mapToDouble(Double::doubleValue).toArray())));
    }
    return rows;
  }

  static InstanceBlock block(List<Instance> rows, int d, boolean sparse) {
    return sparse ? InstanceBlock.sparse(rows, d) : InstanceBlock.dense(rows, d);
  }

  /** Random weights for every variable of {@code model} (the intercept too, unlike the initializer). */
  static double[][] weights(FactorizationMachine model, Random rnd, double std) {
    List<VariableSpec> specs = model.variables();
    double[][] w = new double[specs.size()][];
    for (int v = 0; v < w.length; v++) {
      w[v] = new double[specs.get(v).size()];
      for (int i = 0; i < w[v].length; i++) {
        w[v][i] = rnd.nextGaussian() * std;
      }
    }
    return w;
  }

  static double[][] zerosLike(double[][] w) {
    double[][] z = new double[w.length][];
    for (int i = 0; i < w.length; i++) {
      z[i] = new double[w[i].length];
    }
    return z;
  }
}
