package io.meshgrad.train;

import io.meshgrad.aggregate.DatasetLoss;
import io.meshgrad.aggregate.PartialSums;
import io.meshgrad.aggregate.RowSums;
import io.meshgrad.aggregate.ShippedWeights;
import io.meshgrad.aggregate.StepJobs;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.loss.GradientBuffers;
import io.meshgrad.loss.GradientSum;
import io.meshgrad.plugin.ExecutorMetrics;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * The objective of a linear model over {@link TrainingData}: a {@link BlockLoss} (logistic,
 * multinomial, least squares, hinge) averaged with the row weights, plus L2 on the coefficients
 * (never on the intercept). Its variables are {@code coefficients} ({@code [d]}, or {@code [d, K]}
 * row-major) and, when fitted, {@code intercept} ({@code [K]}). Each step's rows come from a
 * {@link BatchPlan}, broadcast once so that executors keep each partition's epoch order; call
 * {@link #close()} to release it.
 */
public final class LinearModelLoss extends DatasetLoss implements AutoCloseable {
  private static final long serialVersionUID = 1L;

  private final transient TrainingData data;
  private final BlockLoss loss;
  private final BatchPlan plan;
  private final transient Broadcast<BatchPlan> planBroadcast;
  private final boolean fitIntercept;
  private transient boolean closed;

  public LinearModelLoss(TrainingData data, BlockLoss loss, BatchPlan plan, boolean fitIntercept, double regParam) {
    super(regParam);
    plan.requireMadeFor(data.rowsPerPartition());
    this.data = data;
    this.loss = loss;
    this.plan = plan;
    this.planBroadcast = sparkContext().broadcast(plan);
    this.fitIntercept = fitIntercept;
  }

  public BlockLoss blockLoss() {
    return loss;
  }

  public BatchPlan plan() {
    return plan;
  }

  public boolean fitIntercept() {
    return fitIntercept;
  }

  /** Shape of the coefficients: {@code [d]} for one output, {@code [d, K]} otherwise. */
  public int[] coefficientShape() {
    return loss.numOutputs() == 1 ? new int[] {data.numFeatures()} : new int[] {data.numFeatures(), loss.numOutputs()};
  }

  /**
   * Each partition sums its rows of the step's batch into a reused buffer ({@link
   * GradientBuffers}); when the rows are sparse and touch at most half the features, only the
   * touched rows of the coefficient gradient are shipped.
   */
  @Override
  public JavaRDD<PartialSums> partialSums(ShippedWeights weights, long step) {
    BlockLoss l = loss;
    Broadcast<BatchPlan> p = planBroadcast;
    boolean fi = fitIntercept;
    int numOutputs = loss.numOutputs();
    return StepJobs.map(data.rdd(), rows -> {
      double[][] w = weights.value();
      double[] buffer = GradientBuffers.take(w[0].length);
      GradientSum gs = rows.gradientSum(l, p.value(), step, w[0], fi ? w[1] : null, fi, buffer);
      RowSums coef = coefficientSums(gs, numOutputs, buffer);
      RowSums[] grads = fi ? new RowSums[] {coef, RowSums.dense(gs.interceptGrad(), 1)} : new RowSums[] {coef};
      PartialSums sums = new PartialSums(rows.partition(), gs.lossSum(), gs.weightSum(), gs.count(), grads);
      ExecutorMetrics.onPartial(gs.count(), sums.byteSize());
      return sums;
    });
  }

  /** The touched rows when few, the buffer gone back zeroed; else the dense buffer itself (kept by the sums). */
  private static RowSums coefficientSums(GradientSum gs, int numOutputs, double[] buffer) {
    int[] touched = gs.touchedRows();
    if (touched == null || !RowSums.worthHoldingAsRows(touched.length, gs.numFeatures())) {
      return RowSums.dense(gs.coefGradView(), numOutputs);
    }
    RowSums sparse = RowSums.ofRows(gs.numFeatures(), numOutputs, touched, gs.takeRows(touched));
    GradientBuffers.giveBack(buffer);
    return sparse;
  }

  @Override
  public int numPartitions() {
    return data.numPartitions();
  }

  @Override
  public boolean isRegularized(int position) {
    return position == 0;
  }

  @Override
  public JavaSparkContext sparkContext() {
    return JavaSparkContext.fromSparkContext(data.rdd().context());
  }

  /** Destroys the broadcast batch plan and weights; a second call does nothing. */
  @Override
  public void close() {
    super.close();
    if (!closed) {
      closed = true;
      planBroadcast.destroy();
    }
  }
}
