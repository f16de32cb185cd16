package io.meshgrad.aggregate;

import io.meshgrad.optimizer.DifferentiableLoss;
import io.meshgrad.optimizer.GradientClipping;
import io.meshgrad.optimizer.LossAndGradients;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.plugin.TrainingMetrics;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import scala.Tuple2;

/**
 * A loss over a Spark dataset: the weighted mean of per-row losses plus L2,
 * {@code L = sum_i a_i loss_i / sum_i a_i + (regParam/2) * sum over regularised variables ||w||^2},
 * computed by data partitions from broadcast weights. Subclasses say how a partition computes its
 * {@link PartialSums} for a step; this class turns the sums into the objective.
 *
 * <p>Two ways to use it: {@link #evaluate} (the {@link DifferentiableLoss} contract) brings the
 * partitions' sums to the driver through an {@link OrderedTreeSum} (one job without a shuffle for
 * a few partitions), for variables held in the driver; a mesh runtime instead reduce-scatters the sums to the variable shards (see
 * {@link AdagradAggregator#reduceScatter}), and no gradient is gathered on the driver.
 *
 * <p>The batch of a step is chosen from the step number: the bound optimizer's iteration count
 * ({@link #bindSteps}), or the number of evaluations so far.
 */
public abstract class DatasetLoss implements DifferentiableLoss, Serializable {
  private static final long serialVersionUID = 1L;

  private final double regParam;
  private int aggregationDepth = 2;
  private transient Optimizer stepClock;
  private transient long evaluations;
  private transient StepStats lastStepStats;

  /** @param regParam L2 strength, {@code >= 0} */
  protected DatasetLoss(double regParam) {
    if (!(Double.isFinite(regParam) && regParam >= 0)) {
      throw new IllegalArgumentException("regParam must be a finite number >= 0, got " + regParam);
    }
    this.regParam = regParam;
  }

  /**
   * One {@link PartialSums} per data partition (with its partition index as source) at the
   * broadcast weights, over that partition's share of step {@code step}'s batch.
   *
   * @param weights the whole value of each variable, in the order of the variables list
   */
  public abstract JavaRDD<PartialSums> partialSums(Broadcast<double[][]> weights, long step);

  /** Number of data partitions ({@link #partialSums} has one element per partition). */
  public abstract int numPartitions();

  /** Whether the variable at {@code position} of the variables list is L2-regularised. */
  public abstract boolean isRegularized(int position);

  /** The Spark context the data lives in. */
  public abstract JavaSparkContext sparkContext();

  public final double regParam() {
    return regParam;
  }

  /** Depth of the ordered tree sum of {@link #evaluate} (default 2, as MLlib's {@code aggregationDepth}). */
  public final DatasetLoss setAggregationDepth(int depth) {
    if (depth < 1) {
      throw new IllegalArgumentException("aggregationDepth must be >= 1, got " + depth);
    }
    this.aggregationDepth = depth;
    return this;
  }

  /** Uses {@code optimizer.iterations()} as the step number, so batches follow the optimizer. */
  public final void bindSteps(Optimizer optimizer) {
    this.stepClock = optimizer;
  }

  /** The step whose batch the next evaluation uses. */
  public final long currentStep() {
    return stepClock != null ? stepClock.iterations() : evaluations;
  }

  /** What the last step computed with this loss did (in process or on a mesh), or {@code null}. */
  public final StepStats lastStepStats() {
    return lastStepStats;
  }

  /**
   * Records a step's stats, also in {@link TrainingMetrics}; called by whoever ran the step (a
   * mesh runtime, or {@link #evaluate}).
   *
   * @param optimizer the optimizer of the step, to tell whether it clipped; may be {@code null}
   */
  public final void recordStepStats(StepStats stats, Optimizer optimizer) {
    this.lastStepStats = stats;
    TrainingMetrics.onStep(stats, optimizer != null
        && optimizer.clipping().wouldClip(stats.variableGradientNorms(), stats.gradientMaxAbs()));
  }

  /** The variables' values as the broadcast form. */
  public static double[][] weightsOf(List<? extends Variable> variables) {
    double[][] w = new double[variables.size()][];
    for (int i = 0; i < w.length; i++) {
      w[i] = variables.get(i).read().toDoubleArray();
    }
    return w;
  }

  /** The L2 term's sum of squares over the regularised variables. */
  public final double regularisedSquares(double[][] weights) {
    if (regParam == 0) {
      return 0;
    }
    double s = 0;
    for (int i = 0; i < weights.length; i++) {
      if (isRegularized(i)) {
        for (double x : weights[i]) {
          s += x * x;
        }
      }
    }
    return s;
  }

  @Override
  public LossAndGradients evaluate(List<Variable> variables) {
    long start = System.nanoTime();
    long step = currentStep();
    double[][] weights = weightsOf(variables);
    Broadcast<double[][]> bc = sparkContext().broadcast(weights);
    PartialSums total;
    try {
      total = OrderedTreeSum.sum(partialSums(bc, step).mapToPair(p -> new Tuple2<>(p.source(), p)),
          numPartitions(), aggregationDepth, PartialSums::plus);
    } finally {
      bc.destroy();
    }
    List<Gradient> gradients = new ArrayList<>();
    double[] norms = new double[variables.size()];
    double maxAbs = 0;
    long weightBytes = 0;
    for (int i = 0; i < variables.size(); i++) {
      Variable v = variables.get(i);
      double[] sum = total.gradients()[i] != null ? total.gradients()[i] : new double[weights[i].length];
      Tensor value = Tensor.of(weights[i], v.shape());
      Gradient g = ObjectiveGradient.of(sum, total.weightSum(), isRegularized(i) ? regParam : 0, value,
          v.shape(), v.dtype());
      gradients.add(g);
      norms[i] = Math.sqrt(GradientClipping.sumOfSquares(g));
      for (int j = 0; j < g.values().size(); j++) {
        maxAbs = Math.max(maxAbs, Math.abs(g.values().get(j)));
      }
      weightBytes += 8L * weights[i].length;
    }
    evaluations++;
    double loss = ObjectiveGradient.value(total.lossSum(), total.weightSum(), regParam, regularisedSquares(weights));
    long partialBytes = (long) numPartitions() * total.byteSize();
    recordStepStats(new StepStats(loss, total.count(), total.weightSum(), norms, maxAbs,
        weightBytes, partialBytes, partialBytes, (System.nanoTime() - start) / 1e9), stepClock);
    return new LossAndGradients(loss, gradients);
  }
}
