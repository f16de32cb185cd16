package io.meshgrad.model;

import io.meshgrad.loss.InstanceBlock;
import io.meshgrad.loss.ScalarMarginLoss;
import io.meshgrad.mesh.Layout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;

/**
 * Rendle's second-order factorization machine: for a row {@code x} of {@code n} features,
 *
 * <pre>
 *   m(x) = b + sum_j w_j x_j + sum_{j &lt; l} &lt;V_j, V_l&gt; x_j x_l
 *        = b + sum_j w_j x_j + 1/2 sum_f [ (sum_j V_jf x_j)^2 - sum_j V_jf^2 x_j^2 ]
 * </pre>
 *
 * evaluated in the second, {@code O(k nnz)} form, with the loss of a {@link ScalarMarginLoss}
 * (logistic for 0/1 labels, least squares for regression) on {@code m}. Its derivatives are
 * {@code dm/db = 1}, {@code dm/dw_j = x_j}, {@code dm/dV_jf = x_j (s_f - V_jf x_j)} with {@code
 * s_f = sum_l V_lf x_l}.
 *
 * <p>Variables, in this order (absent ones are left out):
 *
 * <ul>
 *   <li>{@code intercept} {@code [1]}, zeros, not regularized, replicated (only with fitIntercept);
 *   <li>{@code linear} {@code [n]}, zeros, regularized, feature-indexed, axis 0 on the model
 *       dimension (only with fitLinear);
 *   <li>{@code factors} {@code [n, k]}, normal with standard deviation {@code initStd} (MLlib's
 *       {@code FMClassifier} initialization), regularized, feature-indexed, laid out {@code
 *       [<model dimension>, "unsharded"]}: each shard holds whole rows {@code V_j}.
 * </ul>
 *
 * The feature-indexed variables have no explicit layout, so {@link Layout#defaultFor}
 * applies: axis 0 on the mesh's first non-batch dimension, i.e. {@code ["model", "unsharded"]} on a
 * {@code batch=B,model=M} mesh, whatever that dimension is named. A sparse block adds gradient only
 * into the rows of its non-zero features. {@link #accumulate} allocates nothing per row: it keeps
 * two scratch arrays (margins and the {@code s_f} of each row) across calls.
 */
public final class FactorizationMachine implements BlockModel {
  private static final long serialVersionUID = 1L;

  /** Name of the bias variable. */
  public static final String INTERCEPT = "intercept";
  /** Name of the linear weights variable. */
  public static final String LINEAR = "linear";
  /** Name of the factor matrix variable. */
  public static final String FACTORS = "factors";

  private final int numFeatures;
  private final int factorSize;
  private final boolean fitIntercept;
  private final boolean fitLinear;
  private final double initStd;
  private final ScalarMarginLoss loss;
  /** Rebuilt from the fields after deserialization: a task's closure then carries no records. */
  private transient List<VariableSpec> variables;
  private final int interceptIndex;
  private final int linearIndex;
  private final int factorsIndex;

  private transient double[] margins;
  private transient double[] sums;

  /**
   * @param numFeatures {@code n}, at least 1
   * @param factorSize {@code k}, at least 1
   * @param fitIntercept whether to have the bias {@code b}
   * @param fitLinear whether to have the linear weights {@code w}
   * @param initStd standard deviation of the factors' normal initialization, finite and {@code >= 0}
   * @param loss the loss of the margin: {@code BinaryLogisticLoss} (labels 0/1) or {@code
   *     LeastSquaresLoss}
   * @throws IllegalArgumentException naming the argument, the allowed values and the value received
   */
  public FactorizationMachine(int numFeatures, int factorSize, boolean fitIntercept, boolean fitLinear,
      double initStd, ScalarMarginLoss loss) {
    if (numFeatures < 1) {
      throw new IllegalArgumentException("numFeatures must be >= 1, got " + numFeatures);
    }
    if (factorSize < 1) {
      throw new IllegalArgumentException("factorSize must be >= 1, got " + factorSize);
    }
    if ((long) numFeatures * factorSize > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("numFeatures * factorSize must fit one Java array (< 2^31 - 8), got "
          + numFeatures + " * " + factorSize + " = " + (long) numFeatures * factorSize);
    }
    if (!(Double.isFinite(initStd) && initStd >= 0)) {
      throw new IllegalArgumentException("initStd must be a finite number >= 0, got " + initStd);
    }
    if (loss == null) {
      throw new IllegalArgumentException("loss must be a ScalarMarginLoss (BinaryLogisticLoss, LeastSquaresLoss),"
          + " got null");
    }
    this.numFeatures = numFeatures;
    this.factorSize = factorSize;
    this.fitIntercept = fitIntercept;
    this.fitLinear = fitLinear;
    this.initStd = initStd;
    this.loss = loss;
    this.variables = specs();
    this.interceptIndex = fitIntercept ? 0 : -1;
    this.linearIndex = fitLinear ? (fitIntercept ? 1 : 0) : -1;
    this.factorsIndex = variables.size() - 1;
  }

  @Override
  public List<VariableSpec> variables() {
    if (variables == null) {
      variables = specs();
    }
    return variables;
  }

  private List<VariableSpec> specs() {
    List<VariableSpec> specs = new ArrayList<>(3);
    if (fitIntercept) {
      specs.add(new VariableSpec(INTERCEPT, new int[] {1}, Initializers.zeros(), false, false,
          List.of(Layout.UNSHARDED)));
    }
    if (fitLinear) {
      specs.add(new VariableSpec(LINEAR, new int[] {numFeatures}, Initializers.zeros(), true, true, null));
    }
    specs.add(new VariableSpec(FACTORS, new int[] {numFeatures, factorSize}, Initializers.normal(initStd), true,
        true, null));
    return Collections.unmodifiableList(specs);
  }

  @Override
  public int numFeatures() {
    return numFeatures;
  }

  @Override
  public int numOutputs() {
    return 1;
  }

  /** {@code k}, the length of each feature's factor vector. */
  public int factorSize() {
    return factorSize;
  }

  public boolean fitIntercept() {
    return fitIntercept;
  }

  public boolean fitLinear() {
    return fitLinear;
  }

  public double initStd() {
    return initStd;
  }

  public ScalarMarginLoss loss() {
    return loss;
  }

  /** Position of {@code intercept} in {@link #variables()}, or -1. */
  public int interceptIndex() {
    return interceptIndex;
  }

  /** Position of {@code linear} in {@link #variables()}, or -1. */
  public int linearIndex() {
    return linearIndex;
  }

  /** Position of {@code factors} in {@link #variables()}. */
  public int factorsIndex() {
    return factorsIndex;
  }

  @Override
  public void validateLabel(double label) {
    loss.validateLabel(label);
  }

  @Override
  public double accumulate(InstanceBlock block, double[][] weights, double[][] gradients) {
    checkArrays(block, weights, gradients);
    int n = block.numRows();
    int k = factorSize;
    double[] m = scratchMargins(n);
    double[] s = scratchSums(n * k);
    double b = fitIntercept ? weights[interceptIndex][0] : 0.0;
    double[] w = fitLinear ? weights[linearIndex] : null;
    double[] v = weights[factorsIndex];
    double[] wGrad = fitLinear ? gradients[linearIndex] : null;
    double[] vGrad = gradients[factorsIndex];
    if (block.isSparse()) {
      int[] rowPtr = block.rowPtr();
      int[] cols = block.colIndices();
      double[] values = block.csrValues();
      for (int i = 0; i < n; i++) {
        m[i] = margin(b, w, v, cols, values, rowPtr[i], rowPtr[i + 1], s, i * k);
      }
      double lossSum = loss.lossAndMultipliers(m, n, block.labels(), block.weights());
      for (int i = 0; i < n; i++) {
        backward(m[i], v, cols, values, rowPtr[i], rowPtr[i + 1], s, i * k, wGrad, vGrad);
      }
      addInterceptGradient(m, n, gradients);
      return lossSum;
    }
    int d = numFeatures;
    double[] values = block.denseValues();
    for (int i = 0; i < n; i++) {
      m[i] = marginDense(b, w, v, values, i * d, s, i * k);
    }
    double lossSum = loss.lossAndMultipliers(m, n, block.labels(), block.weights());
    for (int i = 0; i < n; i++) {
      backwardDense(m[i], v, values, i * d, s, i * k, wGrad, vGrad);
    }
    addInterceptGradient(m, n, gradients);
    return lossSum;
  }

  /** Adds the multipliers row by row, the order of a plain loop over the rows. */
  private void addInterceptGradient(double[] g, int n, double[][] gradients) {
    if (fitIntercept) {
      double[] bGrad = gradients[interceptIndex];
      for (int i = 0; i < n; i++) {
        bGrad[0] += g[i];
      }
    }
  }

  /**
   * The margin of one CSR row {@code [from, to)}; writes its {@code s_f} into {@code s[at, at+k)}.
   */
  private double margin(double b, double[] w, double[] v, int[] cols, double[] values, int from, int to,
      double[] s, int at) {
    int k = factorSize;
    for (int f = 0; f < k; f++) {
      s[at + f] = 0.0;
    }
    double linear = 0.0;
    double squares = 0.0;
    for (int p = from; p < to; p++) {
      int j = cols[p];
      double x = values[p];
      if (w != null) {
        linear += w[j] * x;
      }
      int base = j * k;
      for (int f = 0; f < k; f++) {
        double vx = v[base + f] * x;
        s[at + f] += vx;
        squares += vx * vx;
      }
    }
    return b + linear + 0.5 * (sumOfSquares(s, at) - squares);
  }

  /** The margin of one dense row starting at {@code values[offset]}; as {@link #margin}. */
  private double marginDense(double b, double[] w, double[] v, double[] values, int offset, double[] s, int at) {
    int k = factorSize;
    for (int f = 0; f < k; f++) {
      s[at + f] = 0.0;
    }
    double linear = 0.0;
    double squares = 0.0;
    for (int j = 0; j < numFeatures; j++) {
      double x = values[offset + j];
      if (x == 0.0) {
        continue;
      }
      if (w != null) {
        linear += w[j] * x;
      }
      int base = j * k;
      for (int f = 0; f < k; f++) {
        double vx = v[base + f] * x;
        s[at + f] += vx;
        squares += vx * vx;
      }
    }
    return b + linear + 0.5 * (sumOfSquares(s, at) - squares);
  }

  private double sumOfSquares(double[] s, int at) {
    double sum = 0.0;
    for (int f = 0; f < factorSize; f++) {
      sum += s[at + f] * s[at + f];
    }
    return sum;
  }

  /** Adds {@code g dm/dw} and {@code g dm/dV} of one CSR row, {@code g = a_i dl/dm}. */
  private void backward(double g, double[] v, int[] cols, double[] values, int from, int to, double[] s, int at,
      double[] wGrad, double[] vGrad) {
    if (g == 0.0) {
      return;
    }
    int k = factorSize;
    for (int p = from; p < to; p++) {
      int j = cols[p];
      double x = values[p];
      double gx = g * x;
      if (wGrad != null) {
        wGrad[j] += gx;
      }
      int base = j * k;
      for (int f = 0; f < k; f++) {
        vGrad[base + f] += gx * (s[at + f] - v[base + f] * x);
      }
    }
  }

  /** As {@link #backward} for a dense row. */
  private void backwardDense(double g, double[] v, double[] values, int offset, double[] s, int at, double[] wGrad,
      double[] vGrad) {
    if (g == 0.0) {
      return;
    }
    int k = factorSize;
    for (int j = 0; j < numFeatures; j++) {
      double x = values[offset + j];
      if (x == 0.0) {
        continue;
      }
      double gx = g * x;
      if (wGrad != null) {
        wGrad[j] += gx;
      }
      int base = j * k;
      for (int f = 0; f < k; f++) {
        vGrad[base + f] += gx * (s[at + f] - v[base + f] * x);
      }
    }
  }

  @Override
  public double[] outputs(Vector features, double[][] weights) {
    if (features == null) {
      throw new IllegalArgumentException("features must be a vector of size " + numFeatures + ", got null");
    }
    if (features.size() != numFeatures) {
      throw new IllegalArgumentException("features must have size " + numFeatures + " (numFeatures), got size "
          + features.size());
    }
    checkWeights(weights);
    double b = fitIntercept ? weights[interceptIndex][0] : 0.0;
    double[] w = fitLinear ? weights[linearIndex] : null;
    double[] v = weights[factorsIndex];
    int[] indices;
    double[] values;
    int nnz;
    if (features instanceof SparseVector sv) {
      indices = sv.indices();
      values = sv.values();
      nnz = values.length;
    } else {
      indices = null;
      values = features instanceof DenseVector dv ? dv.values() : features.toArray();
      nnz = values.length;
    }
    double linear = 0.0;
    if (w != null) {
      for (int p = 0; p < nnz; p++) {
        linear += w[indices == null ? p : indices[p]] * values[p];
      }
    }
    // Factor by factor, so that one row needs no scratch array.
    double interaction = 0.0;
    for (int f = 0; f < factorSize; f++) {
      double sum = 0.0;
      double squares = 0.0;
      for (int p = 0; p < nnz; p++) {
        double vx = v[(indices == null ? p : indices[p]) * factorSize + f] * values[p];
        sum += vx;
        squares += vx * vx;
      }
      interaction += sum * sum - squares;
    }
    double value = b + linear + 0.5 * interaction;
    return new double[] {value};
  }

  private void checkArrays(InstanceBlock block, double[][] weights, double[][] gradients) {
    if (block == null) {
      throw new IllegalArgumentException("block must be an InstanceBlock, got null");
    }
    // a sparse block may be renumbered onto the features a batch touches (InstanceBlock.onRows), with only
    // those rows of the feature-indexed weights: see BlockModel
    int inputs = block.numFeatures();
    if (block.isSparse() ? inputs > numFeatures : inputs != numFeatures) {
      throw new IllegalArgumentException("block must have " + numFeatures + " features (numFeatures), got " + inputs
          + (block.isSparse() ? " (a sparse block renumbered onto the features a batch touches has fewer)" : ""));
    }
    checkLengths(weights, "weights", inputs);
    checkLengths(gradients, "gradients", inputs);
  }

  private void checkWeights(double[][] weights) {
    checkLengths(weights, "weights", numFeatures);
  }

  /** One array per variable, a feature-indexed one with {@code rows} rows. */
  private void checkLengths(double[][] arrays, String what, int rows) {
    if (arrays == null || arrays.length != variables().size()) {
      throw new IllegalArgumentException(what + " must hold " + variables().size() + " arrays (one per variable "
          + names() + "), got " + (arrays == null ? "null" : arrays.length));
    }
    for (int i = 0; i < arrays.length; i++) {
      VariableSpec spec = variables().get(i);
      int size = spec.featureIndexed() ? rows * (spec.size() / numFeatures) : spec.size();
      if (arrays[i] == null || arrays[i].length != size) {
        throw new IllegalArgumentException(what + " of " + variables().get(i).name() + " must have length " + size
            + ", got " + (arrays[i] == null ? "null" : arrays[i].length));
      }
    }
  }

  private List<String> names() {
    return variables().stream().map(VariableSpec::name).toList();
  }

  private double[] scratchMargins(int n) {
    if (margins == null || margins.length < n) {
      margins = new double[n];
    }
    return margins;
  }

  private double[] scratchSums(int size) {
    if (sums == null || sums.length < size) {
      sums = new double[size];
    }
    return sums;
  }

  @Override
  public String toString() {
    return "FactorizationMachine(numFeatures=" + numFeatures + ", factorSize=" + factorSize + ", fitIntercept="
        + fitIntercept + ", fitLinear=" + fitLinear + ", initStd=" + initStd + ", loss=" + loss + ")";
  }
}
