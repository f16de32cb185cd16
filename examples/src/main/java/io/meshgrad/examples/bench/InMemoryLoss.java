package io.meshgrad.examples.bench;

import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.PartitionRows;
import io.meshgrad.loss.InstanceBlock;
import io.meshgrad.loss.TouchedFeatures;
import io.meshgrad.model.BlockModel;
import io.meshgrad.model.VariableSpec;
import io.meshgrad.optimizer.DifferentiableLoss;
import io.meshgrad.optimizer.LossAndGradients;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.ObjectiveGradient;
import io.meshgrad.runtime.Penalty;
import io.meshgrad.runtime.RowSums;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The throughput suite's peer: a model's loss over rows held in this process, one thread, no
 * Spark, for a plain {@code optimizer.minimize} loop. A step takes the rows the batch plan gives
 * each partition ({@link PartitionRows#forEachBatchBlock}, the same rows as meshgrad's step),
 * renumbers the blocks onto the features they touch ({@link InstanceBlock#onRows}), gathers only
 * those rows of the feature-indexed weights, and runs the model's own block loss ({@link
 * BlockModel#accumulate}) and meshgrad's own gradient of the objective ({@link ObjectiveGradient});
 * the optimizer (Adagrad) then updates the touched rows with its own kernels. So it is the same
 * arithmetic as meshgrad's step with the partial sums added in one pass instead of per partition
 * and in a tree: the losses agree up to rounding.
 */
final class InMemoryLoss implements DifferentiableLoss {
  private final BlockModel model;
  private final List<PartitionRows> partitions;
  private final BatchPlan plan;
  private final Optimizer clock;

  /**
   * @param partitions the rows, partition {@code p} at index {@code p}
   * @param clock the optimizer whose iteration count is the step (which picks the batch)
   */
  InMemoryLoss(BlockModel model, List<PartitionRows> partitions, BatchPlan plan, Optimizer clock) {
    this.model = model;
    this.partitions = partitions;
    this.plan = plan;
    this.clock = clock;
  }

  @Override
  public LossAndGradients evaluate(List<Variable> variables) {
    long step = clock.iterations();
    List<InstanceBlock> blocks = new ArrayList<>();
    TouchedFeatures touched = new TouchedFeatures(model.numFeatures());
    for (PartitionRows p : partitions) {
      p.forEachBatchBlock(plan, step, b -> {
        blocks.add(b);
        touched.mark(b);
      });
    }
    int[] rows = touched.rows();
    if (rows == null) {
      throw new IllegalArgumentException("InMemoryLoss runs sparse rows only; step " + step + " has a dense block");
    }
    List<VariableSpec> specs = model.variables();
    double[][] w = new double[specs.size()][];
    double[][] g = new double[specs.size()][];
    for (int v = 0; v < w.length; v++) {
      Tensor value = variables.get(v).value();
      w[v] = specs.get(v).featureIndexed() ? gatherRows(value, rows, rowLength(specs.get(v))) : value.toDoubleArray();
      g[v] = new double[w[v].length];
    }
    double lossSum = 0;
    double weightSum = 0;
    for (InstanceBlock b : blocks) {
      lossSum += model.accumulate(b.onRows(rows), w, g);
      weightSum += b.weightSum();
    }
    List<Gradient> gradients = new ArrayList<>();
    for (int v = 0; v < w.length; v++) {
      VariableSpec spec = specs.get(v);
      Variable var = variables.get(v);
      int rowLength = rowLength(spec);
      RowSums sums = spec.featureIndexed() ? RowSums.ofRows(spec.shape()[0], rowLength, rows, g[v])
          : RowSums.dense(g[v], rowLength);
      gradients.add(ObjectiveGradient.of(sums, weightSum, Penalty.NONE, var.value(), var.shape(), var.dtype()));
    }
    return new LossAndGradients(ObjectiveGradient.value(lossSum, weightSum, 0), gradients);
  }

  private static double[] gatherRows(Tensor value, int[] rows, int rowLength) {
    double[] out = new double[rows.length * rowLength];
    for (int i = 0; i < rows.length; i++) {
      int from = rows[i] * rowLength;
      for (int j = 0; j < rowLength; j++) {
        out[i * rowLength + j] = value.get(from + j);
      }
    }
    return out;
  }

  private static int rowLength(VariableSpec spec) {
    int numRows = spec.shape().length == 0 ? 1 : spec.shape()[0];
    return Math.max(1, spec.size() / numRows);
  }
}
