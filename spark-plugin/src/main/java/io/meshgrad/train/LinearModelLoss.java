package io.meshgrad.train;

import io.meshgrad.aggregate.DatasetLoss;
import io.meshgrad.aggregate.PartialSums;
import io.meshgrad.loss.BlockLoss;
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
    checkPlan(plan, data.rowsPerPartition());
    this.data = data;
    this.loss = loss;
    this.plan = plan;
    this.planBroadcast = sparkContext().broadcast(plan);
    this.fitIntercept = fitIntercept;
  }

  /**
   * The plan must be made for exactly these partition sizes: the number of partitions alone is not
   * enough, as each executor would then fail on its own partition in the middle of a step.
   */
  private static void checkPlan(BatchPlan plan, long[] rowsPerPartition) {
    if (plan.numPartitions() != rowsPerPartition.length) {
      throw new IllegalArgumentException("batch plan is for " + plan.numPartitions() + " partitions, the data has "
          + rowsPerPartition.length);
    }
    for (int p = 0; p < rowsPerPartition.length; p++) {
      if (plan.rowsInPartition(p) != rowsPerPartition[p]) {
        throw new IllegalArgumentException("batch plan is for " + plan.rowsInPartition(p) + " rows in partition " + p
            + ", the data has " + rowsPerPartition[p] + " (make the plan from TrainingData.rowsPerPartition())");
      }
    }
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

  @Override
  public JavaRDD<PartialSums> partialSums(Broadcast<double[][]> weights, long step) {
    BlockLoss l = loss;
    Broadcast<BatchPlan> p = planBroadcast;
    boolean fi = fitIntercept;
    return data.rdd().map(rows -> {
      double[][] w = weights.value();
      GradientSum gs = rows.gradientSum(l, p.value(), step, w[0], fi ? w[1] : null, fi);
      double[][] grads = fi ? new double[][] {gs.coefGrad(), gs.interceptGrad()} : new double[][] {gs.coefGrad()};
      PartialSums sums = new PartialSums(rows.partition(), gs.lossSum(), gs.weightSum(), gs.count(), grads);
      ExecutorMetrics.onPartial(gs.count(), sums.byteSize());
      return sums;
    });
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

  /** Destroys the broadcast batch plan; a second call does nothing. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      planBroadcast.destroy();
    }
  }
}
