package io.meshgrad.loss;

import io.meshgrad.support.Checks;
import java.io.Serializable;
import java.util.Arrays;

/**
 * Running sums of a {@link BlockLoss} over blocks: {@code sum_i a_i loss_i}, {@code sum_i a_i},
 * the row count, and the gradient sums for the coefficients and (when fitted) the intercept.
 * Mutable; {@link #add} and {@link #merge} make it the zero value, sequence and combine operation
 * of an aggregation. {@link L2Regularization#objective} turns it into the objective.
 */
public final class GradientSum implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int numFeatures;
  private final int numOutputs;
  private final double[] coefGrad;
  private final double[] interceptGrad;
  private final TouchedFeatures touched;
  private double lossSum;
  private double weightSum;
  private long count;

  /**
   * Empty sums for coefficients of shape {@code [numFeatures, numOutputs]}, with an intercept
   * gradient of length {@code numOutputs} when {@code fitIntercept}.
   */
  public GradientSum(int numFeatures, int numOutputs, boolean fitIntercept) {
    this(numFeatures, numOutputs, fitIntercept, null);
  }

  /**
   * As {@link #GradientSum(int, int, boolean)}, accumulating the coefficient gradient into {@code
   * coefBuffer} (all zeros, length {@code numFeatures * numOutputs}) instead of a new array, so a
   * task can reuse one large array across steps (see {@link #takeRows}).
   */
  public GradientSum(int numFeatures, int numOutputs, boolean fitIntercept, double[] coefBuffer) {
    Checks.require(numFeatures >= 0, "numFeatures must be >= 0, got " + numFeatures);
    Checks.require(numOutputs >= 1, "numOutputs must be >= 1, got " + numOutputs);
    int length = Math.multiplyExact(numFeatures, numOutputs);
    Checks.require(coefBuffer == null || coefBuffer.length == length,
        "coefBuffer must have length " + length + ", got " + (coefBuffer == null ? 0 : coefBuffer.length));
    this.numFeatures = numFeatures;
    this.numOutputs = numOutputs;
    this.coefGrad = coefBuffer != null ? coefBuffer : new double[length];
    this.interceptGrad = fitIntercept ? new double[numOutputs] : null;
    this.touched = new TouchedFeatures(numFeatures);
  }

  /**
   * Adds one block's sums at the given parameters.
   *
   * @param intercept the intercept, {@code null} exactly when these sums fit no intercept
   * @return this
   */
  public GradientSum add(
      BlockLoss loss, InstanceBlock block, double[] coefficients, double[] intercept) {
    Checks.require(loss != null, "loss must be non-null, got null");
    Checks.require(block != null, "block must be non-null, got null");
    Checks.require(
        loss.numOutputs() == numOutputs,
        "loss must have numOutputs " + numOutputs + ", got " + loss.numOutputs() + " (" + loss
            + ")");
    Checks.require(
        block.numFeatures() == numFeatures,
        "block must have numFeatures " + numFeatures + ", got " + block.numFeatures());
    Checks.require(
        (intercept == null) == (interceptGrad == null),
        fitIntercept()
            ? "intercept must be an array of length " + numOutputs + " (fitIntercept), got null"
            : "intercept must be null (no fitIntercept), got an array");
    lossSum += loss.accumulate(block, coefficients, intercept, coefGrad, interceptGrad);
    touched.mark(block);
    weightSum += block.weightSum();
    count += block.numRows();
    return this;
  }

  /**
   * Adds another sum of the same shape into this one.
   *
   * @return this
   */
  public GradientSum merge(GradientSum other) {
    Checks.require(other != null, "other must be non-null, got null");
    Checks.require(
        other.numFeatures == numFeatures
            && other.numOutputs == numOutputs
            && other.fitIntercept() == fitIntercept(),
        "other must have shape " + shape() + ", got " + other.shape());
    lossSum += other.lossSum;
    weightSum += other.weightSum;
    count += other.count;
    for (int j = 0; j < coefGrad.length; j++) {
      coefGrad[j] += other.coefGrad[j];
    }
    touched.merge(other.touched);
    if (interceptGrad != null) {
      for (int k = 0; k < numOutputs; k++) {
        interceptGrad[k] += other.interceptGrad[k];
      }
    }
    return this;
  }

  public int numFeatures() {
    return numFeatures;
  }

  public int numOutputs() {
    return numOutputs;
  }

  public boolean fitIntercept() {
    return interceptGrad != null;
  }

  /** {@code sum_i a_i loss_i}. */
  public double lossSum() {
    return lossSum;
  }

  /** {@code sum_i a_i}. */
  public double weightSum() {
    return weightSum;
  }

  /** Number of rows added. */
  public long count() {
    return count;
  }

  /** A copy of {@code sum_i a_i d loss_i / d W}, row-major {@code [numFeatures, numOutputs]}. */
  public double[] coefGrad() {
    return coefGrad.clone();
  }

  /** A copy of {@code sum_i a_i d loss_i / d b}, or {@code null} without intercept. */
  public double[] interceptGrad() {
    return interceptGrad == null ? null : interceptGrad.clone();
  }

  /**
   * The features (rows of the coefficient gradient) that the added blocks can have made non-zero,
   * increasing: the columns of their stored non-zeros; {@code null} when a dense block was added
   * (every row may be non-zero). Rows not listed are exactly zero.
   */
  public int[] touchedRows() {
    return touched.rows();
  }

  /**
   * Copies the coefficient gradient's rows {@code rows} out (row-major, {@code numOutputs} values a
   * row) and sets them to zero here: with rows from {@link #touchedRows()} this leaves the
   * coefficient array all zeros again, ready for reuse as another sum's buffer.
   */
  public double[] takeRows(int[] rows) {
    return GradientBuffers.takeRows(coefGrad, rows, numOutputs);
  }

  /** The live coefficient gradient sums, row-major {@code [numFeatures, numOutputs]}. */
  public double[] coefGradView() {
    return coefGrad;
  }

  double[] interceptGradView() {
    return interceptGrad;
  }

  @Override
  public String toString() {
    return "GradientSum(" + shape() + ", count=" + count + ", weightSum=" + weightSum
        + ", lossSum=" + lossSum + ", coefGrad=" + Arrays.toString(coefGrad)
        + ", interceptGrad=" + Arrays.toString(interceptGrad) + ")";
  }

  private String shape() {
    return "[numFeatures=" + numFeatures + ", numOutputs=" + numOutputs
        + ", fitIntercept=" + fitIntercept() + "]";
  }
}
