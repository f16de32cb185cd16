package io.meshgrad.runtime;

import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.PartitionRows;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.loss.GradientBuffers;
import io.meshgrad.loss.InstanceBlock;
import io.meshgrad.loss.TouchedFeatures;
import io.meshgrad.metrics.ExecutorMetrics;
import io.meshgrad.model.BlockModel;
import io.meshgrad.model.LinearModel;
import io.meshgrad.model.VariableSpec;
import io.meshgrad.support.ObjectBytes;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * The objective of any {@link BlockModel} over {@link TrainingData}: the model's per-row losses
 * averaged with the row weights, plus L2 on its {@linkplain VariableSpec#regularized() regularised}
 * variables. Each data partition runs {@link BlockModel#accumulate} over its share of the step's
 * batch ({@link BatchPlan}, broadcast once); the gradient of a {@linkplain
 * VariableSpec#featureIndexed() feature-indexed} variable ships only the rows of the features the
 * batch touched when the rows are sparse and touch few of them, and is the variable a sharded
 * mesh may {@linkplain #canPullRows pull by rows}. Linear models are {@link #linear} (a {@link
 * LinearModel}: the one kernel path of linear, FM and MLP fits). Call {@link #close()} to release
 * the plan's broadcast.
 */
public final class ModelLoss extends DatasetLoss implements AutoCloseable {
  private static final long serialVersionUID = 1L;

  private final transient TrainingData data;
  private final BlockModel model;
  private final transient Broadcast<byte[]> planBroadcast;
  private transient boolean closed;

  /**
   * @throws IllegalArgumentException if the model's number of features differs from the data's, or
   *     the plan was not made for the data's partitions
   */
  public ModelLoss(TrainingData data, BlockModel model, BatchPlan plan, double regParam) {
    super(regParam);
    if (model.numFeatures() != data.numFeatures()) {
      throw new IllegalArgumentException("the model takes " + model.numFeatures() + " features, the rows have "
          + data.numFeatures());
    }
    plan.requireMadeFor(data.rowsPerPartition());
    this.data = data;
    this.model = model;
    // as bytes, which each executor reads once with its own meshgrad classes (see ObjectBytes)
    this.planBroadcast = sparkContext().broadcast(ObjectBytes.write(plan));
  }

  /**
   * The objective of a linear model: {@code loss} (logistic, multinomial, least squares, hinge) on
   * {@code coefficients} ({@code [d]}, or {@code [d, K]} row-major; L2-regularised) and, when
   * {@code fitIntercept}, {@code intercept} ({@code [K]}, never regularised), in that order: a
   * {@link LinearModel} of the data's features.
   */
  public static ModelLoss linear(TrainingData data, BlockLoss loss, BatchPlan plan, boolean fitIntercept,
      double regParam) {
    return new ModelLoss(data, new LinearModel(loss, data.numFeatures(), fitIntercept), plan, regParam);
  }

  /** The batch plan a task reads from its broadcast bytes. */
  private static BatchPlan planOf(Broadcast<byte[]> plan) {
    return ObjectBytes.readShared(plan.value(), BatchPlan.class, "the batch plan");
  }

  public BlockModel model() {
    return model;
  }

  @Override
  public JavaRDD<PartialSums> partialSums(ShippedWeights weights, long step) {
    BlockModel m = model;
    Broadcast<byte[]> p = planBroadcast;
    return StepJobs.map(data.rdd(), rows -> {
      PartialSums sums = partitionSums(m, rows, planOf(p), step, weights.value());
      ExecutorMetrics.onPartial(sums.count(), sums.byteSize());
      return sums;
    });
  }

  /** The cached rows and {@link #partitionSums} of this model and plan, for the engine's tasks. */
  @Override
  public EngineData<PartitionRows> engineData() {
    return new EngineData<>(data.rdd(), new PartitionSumsOfModel(model, planBroadcast));
  }

  /** {@link #partitionSums} of one model and batch plan, as a task of the engine computes it. */
  private static final class PartitionSumsOfModel implements EngineData.PartitionSums<PartitionRows> {
    private static final long serialVersionUID = 1L;
    private final BlockModel model;
    private final Broadcast<byte[]> plan;

    PartitionSumsOfModel(BlockModel model, Broadcast<byte[]> plan) {
      this.model = model;
      this.plan = plan;
    }

    @Override
    public PartialSums of(PartitionRows rows, long step, double[][] weights) {
      return ofWeights(rows, step, StepWeights.of(weights));
    }

    @Override
    public PartialSums ofWeights(PartitionRows rows, long step, StepWeights weights) {
      PartialSums sums = partitionSums(model, rows, planOf(plan), step, weights);
      ExecutorMetrics.onPartial(sums.count(), sums.byteSize());
      return sums;
    }

    @Override
    public int[] batchRows(PartitionRows rows, long step) {
      return ModelLoss.batchRows(rows, planOf(plan), step);
    }

    @Override
    public PartialSums ofRows(PartitionRows rows, long step, int[] batchRows, double[][] weights) {
      PartialSums sums = batchRows == null
          ? partitionSums(model, rows, planOf(plan), step, weights)
          : partitionSumsOnRows(model, rows, planOf(plan), step, batchRows, weights);
      ExecutorMetrics.onPartial(sums.count(), sums.byteSize());
      return sums;
    }
  }

  @Override
  public boolean canPullRows(int position) {
    return model.variables().get(position).featureIndexed();
  }

  @Override
  public JavaRDD<int[]> batchRows(long step) {
    Broadcast<byte[]> p = planBroadcast;
    return StepJobs.map(data.rdd(), rows -> batchRows(rows, planOf(p), step));
  }

  @Override
  public JavaRDD<PartialSums> partialSums(ShippedWeights weights, ShippedRows pulled, long step) {
    BlockModel m = model;
    Broadcast<byte[]> p = planBroadcast;
    return StepJobs.map(data.rdd(), rows -> {
      PulledRows rowsOfStep = pulled.value();
      double[][] w = rowsOfStep.weightsOf(rows.partition(), weights.value());
      int[] batchRows = rowsOfStep.rowsOf(rows.partition());
      PartialSums sums = batchRows == null
          ? partitionSums(m, rows, planOf(p), step, w)
          : partitionSumsOnRows(m, rows, planOf(p), step, batchRows, w);
      ExecutorMetrics.onPartial(sums.count(), sums.byteSize());
      return sums;
    });
  }

  /**
   * What one partition contributes to step {@code step}: the same code in every task and in tests.
   * When the step's blocks are sparse and touch few enough rows of every feature-indexed variable
   * to ship them as rows ({@link RowSums#worthHoldingAsRows}), the blocks are renumbered onto the
   * touched features ({@link InstanceBlock#onRows}) and the model runs on just those rows of the
   * weights, gathered from {@code w}, with gradient arrays of just those rows ({@link
   * #sumsOnRows}): the same sums bit for bit, in arrays as long as the batch's features rather
   * than the model's. Otherwise feature-indexed gradients accumulate into reused per-thread
   * buffers ({@link GradientBuffers}); when only their touched rows are shipped, the buffers go
   * back zeroed.
   */
  static PartialSums partitionSums(BlockModel m, PartitionRows rows, BatchPlan plan, long step, double[][] w) {
    return partitionSums(m, rows, plan, step, StepWeights.of(w));
  }

  /**
   * {@link #partitionSums(BlockModel, PartitionRows, BatchPlan, long, double[][])} with the weights
   * as {@code weights} gives them: on the sparse path only the touched rows of each feature-indexed
   * variable are asked for ({@link StepWeights#rows}), so an engine task need not widen the rest.
   */
  static PartialSums partitionSums(BlockModel m, PartitionRows rows, BatchPlan plan, long step, StepWeights weights) {
    List<InstanceBlock> blocks = new ArrayList<>();
    TouchedFeatures touched = new TouchedFeatures(rows.numFeatures());
    rows.forEachBatchBlock(plan, step, block -> {
      blocks.add(block);
      touched.mark(block);
    });
    int[] touchedRows = touched.rows();
    List<VariableSpec> specs = m.variables();
    if (touchedRows != null && shipsRows(specs, touchedRows.length)) {
      double[][] compact = new double[weights.size()][];
      for (int v = 0; v < compact.length; v++) {
        VariableSpec spec = specs.get(v);
        compact[v] = spec.featureIndexed() ? weights.rows(v, touchedRows, rowLength(spec)) : weights.whole(v);
      }
      return sumsOnRows(m, rows.partition(), blocks, touchedRows, compact);
    }
    double[][] w = weights.wholeAll();
    double[][] grads = new double[specs.size()][];
    for (int v = 0; v < grads.length; v++) {
      grads[v] = specs.get(v).featureIndexed() ? GradientBuffers.take(w[v].length) : new double[w[v].length];
    }
    double lossSum = 0;
    double weightSum = 0;
    long count = 0;
    for (InstanceBlock block : blocks) {
      lossSum += m.accumulate(block, w, grads);
      weightSum += block.weightSum();
      count += block.numRows();
    }
    RowSums[] out = new RowSums[grads.length];
    for (int v = 0; v < grads.length; v++) {
      VariableSpec spec = specs.get(v);
      int numRows = spec.shape().length == 0 ? 1 : spec.shape()[0];
      int rowLength = Math.max(1, spec.size() / numRows);
      if (spec.featureIndexed() && touchedRows != null && RowSums.worthHoldingAsRows(touchedRows.length, numRows)) {
        double[] rowValues = GradientBuffers.takeRows(grads[v], touchedRows, rowLength);
        out[v] = RowSums.ofRows(numRows, rowLength, touchedRows, rowValues);
        GradientBuffers.giveBack(grads[v]);
      } else {
        out[v] = RowSums.dense(grads[v], rowLength);
      }
    }
    return new PartialSums(rows.partition(), lossSum, weightSum, count, out);
  }

  /** Whether every feature-indexed variable of {@code specs} ships {@code touched} rows as rows, not dense. */
  private static boolean shipsRows(List<VariableSpec> specs, int touched) {
    for (VariableSpec spec : specs) {
      if (spec.featureIndexed() && !RowSums.worthHoldingAsRows(touched, spec.shape()[0])) {
        return false;
      }
    }
    return true;
  }

  /**
   * The features partition {@code rows}' share of step {@code step}'s batch touches: the sorted
   * distinct stored columns of its blocks, or {@code null} when a block is dense (then every
   * feature may be touched and the partition needs whole weights). A pure function of the
   * partition, the plan and the step, so any task computes the same rows; these are the rows of
   * feature-indexed variables that {@link #partitionSumsOnRows} needs.
   */
  static int[] batchRows(PartitionRows rows, BatchPlan plan, long step) {
    TouchedFeatures touched = new TouchedFeatures(rows.numFeatures());
    rows.forEachBatchBlock(plan, step, touched::mark);
    return touched.rows();
  }

  /**
   * What {@link #partitionSums} computes, bit for bit, from only the rows {@code batchRows} of the
   * feature-indexed variables: {@code w[v]} of a feature-indexed variable holds just those rows
   * (row {@code i} of it is feature {@code batchRows[i]}), other variables are whole. Each block is
   * renumbered onto the pulled rows ({@link InstanceBlock#onRows}), so no array here is as long as
   * the number of features; the gradient's rows ship with their feature numbers.
   *
   * @param batchRows {@link #batchRows} of this partition and step (not {@code null})
   * @throws IllegalArgumentException if a block of the slice is dense, or a feature-indexed weight
   *     does not hold {@code batchRows.length} rows
   */
  static PartialSums partitionSumsOnRows(BlockModel m, PartitionRows rows, BatchPlan plan, long step,
      int[] batchRows, double[][] w) {
    List<VariableSpec> specs = m.variables();
    for (int v = 0; v < w.length; v++) {
      VariableSpec spec = specs.get(v);
      if (spec.featureIndexed()) {
        int expected = batchRows.length * rowLength(spec);
        if (w[v].length != expected) {
          throw new IllegalArgumentException("weights of " + spec.name() + " must hold the " + batchRows.length
              + " batch rows (" + expected + " values), got " + w[v].length);
        }
      }
    }
    List<InstanceBlock> blocks = new ArrayList<>();
    rows.forEachBatchBlock(plan, step, block -> {
      if (!block.isSparse()) {
        throw new IllegalArgumentException("a dense block touches every feature and needs whole weights: " + block);
      }
      blocks.add(block);
    });
    return sumsOnRows(m, rows.partition(), blocks, batchRows, w);
  }

  /**
   * The sums of sparse {@code blocks} renumbered onto {@code batchRows} (which hold every feature
   * they store), with {@code w} holding only those rows of each feature-indexed variable: the one
   * accumulation of {@link #partitionSums} and {@link #partitionSumsOnRows}.
   */
  private static PartialSums sumsOnRows(BlockModel m, int partition, List<InstanceBlock> blocks, int[] batchRows,
      double[][] w) {
    List<VariableSpec> specs = m.variables();
    double[][] grads = new double[specs.size()][];
    for (int v = 0; v < grads.length; v++) {
      grads[v] = new double[w[v].length];
    }
    double lossSum = 0;
    double weightSum = 0;
    long count = 0;
    for (InstanceBlock block : blocks) {
      lossSum += m.accumulate(block.onRows(batchRows), w, grads);
      weightSum += block.weightSum();
      count += block.numRows();
    }
    RowSums[] out = new RowSums[grads.length];
    for (int v = 0; v < grads.length; v++) {
      VariableSpec spec = specs.get(v);
      int rowLength = rowLength(spec);
      if (!spec.featureIndexed()) {
        out[v] = RowSums.dense(grads[v], rowLength);
        continue;
      }
      int numRows = spec.shape()[0];
      RowSums touched = RowSums.ofRows(numRows, rowLength, batchRows, grads[v]);
      // the same form partitionSums ships, so both paths' sums are the same objects
      out[v] = RowSums.worthHoldingAsRows(batchRows.length, numRows) ? touched : RowSums.dense(touched.toDense(), rowLength);
    }
    return new PartialSums(partition, lossSum, weightSum, count, out);
  }

  private static int rowLength(VariableSpec spec) {
    int numRows = spec.shape().length == 0 ? 1 : spec.shape()[0];
    return Math.max(1, spec.size() / numRows);
  }

  @Override
  public int numPartitions() {
    return data.numPartitions();
  }

  @Override
  public boolean isRegularized(int position) {
    return model.variables().get(position).regularized();
  }

  @Override
  public JavaSparkContext sparkContext() {
    return JavaSparkContext.fromSparkContext(data.rdd().context());
  }

  /**
   * Destroys the broadcast batch plan and weights and closes what {@link #closeWith} was given (see
   * {@link DatasetLoss#close}), the plan even when one of those fails; a second call does nothing.
   */
  @Override
  public void close() {
    try {
      super.close();
    } finally {
      if (!closed) {
        closed = true;
        planBroadcast.destroy();
      }
    }
  }
}
