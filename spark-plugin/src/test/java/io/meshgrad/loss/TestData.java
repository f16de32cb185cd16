package io.meshgrad.loss;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;

/** Random rows, the built-in losses with matching labels, and evaluation helpers for the tests. */
final class TestData {
  private TestData() {}

  /** A loss together with a generator of labels valid for it. */
  record LossCase(String name, Supplier<BlockLoss> loss, ToDoubleFunction<Random> label) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<LossCase> lossCases() {
    return List.of(
        new LossCase("binaryLogistic", BinaryLogisticLoss::new, r -> r.nextInt(2)),
        new LossCase("multinomial3", () -> new MultinomialLogisticLoss(3), r -> r.nextInt(3)),
        new LossCase("leastSquares", LeastSquaresLoss::new, r -> 3 * r.nextGaussian()),
        new LossCase("hinge", HingeLoss::new, r -> r.nextInt(2)));
  }

  /**
   * {@code n} rows of {@code d} features, each non-zero with probability {@code density}, given
   * randomly as dense or sparse vectors; weights in [0.1, 3) when {@code weighted}, else 1.
   */
  static List<Instance> rows(
      Random rnd, int n, int d, double density, ToDoubleFunction<Random> label, boolean weighted) {
    List<Instance> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      double[] x = new double[d];
      for (int j = 0; j < d; j++) {
        if (rnd.nextDouble() < density) {
          x[j] = rnd.nextGaussian();
        }
      }
      double weight = weighted ? 0.1 + 2.9 * rnd.nextDouble() : 1.0;
      rows.add(new Instance(label.applyAsDouble(rnd), weight, vector(x, rnd.nextBoolean())));
    }
    return rows;
  }

  static Vector vector(double[] x, boolean sparse) {
    if (!sparse) {
      return new DenseVector(x.clone());
    }
    int nnz = 0;
    for (double v : x) {
      nnz += v != 0.0 ? 1 : 0;
    }
    int[] indices = new int[nnz];
    double[] values = new double[nnz];
    int p = 0;
    for (int j = 0; j < x.length; j++) {
      if (x[j] != 0.0) {
        indices[p] = j;
        values[p++] = x[j];
      }
    }
    return new SparseVector(x.length, indices, values);
  }

  static double[] gaussian(Random rnd, int length, double scale) {
    double[] a = new double[length];
    for (int i = 0; i < length; i++) {
      a[i] = scale * rnd.nextGaussian();
    }
    return a;
  }

  /** The regularised objective over {@code blocks} at the given parameters. */
  static LossAndGradient objective(
      BlockLoss loss,
      List<InstanceBlock> blocks,
      double[] coefficients,
      double[] intercept,
      double regParam) {
    GradientSum sums = sums(loss, blocks, coefficients, intercept);
    return L2Regularization.objective(sums, coefficients, regParam);
  }

  static GradientSum sums(
      BlockLoss loss, List<InstanceBlock> blocks, double[] coefficients, double[] intercept) {
    int d = blocks.get(0).numFeatures();
    GradientSum sums = new GradientSum(d, loss.numOutputs(), intercept != null);
    for (InstanceBlock block : blocks) {
      sums.add(loss, block, coefficients, intercept);
    }
    return sums;
  }

  static List<InstanceBlock> toList(Iterator<InstanceBlock> blocks) {
    List<InstanceBlock> list = new ArrayList<>();
    blocks.forEachRemaining(list::add);
    return list;
  }

  @SuppressWarnings("unchecked")
  static <T> T roundTrip(T value) throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (T) in.readObject();
    }
  }
}
