package io.meshgrad.runtime;

import io.meshgrad.metrics.StepStats;
import io.meshgrad.metrics.TrainingMetrics;
import io.meshgrad.optimizer.DifferentiableLoss;
import io.meshgrad.optimizer.GradientClipping;
import io.meshgrad.optimizer.LossAndGradients;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A loss over a Spark dataset: the weighted mean of per-row losses plus L2 and L1 ({@link Penalty}),
 * {@code L = sum_i a_i loss_i / sum_i a_i + sum over regularised variables (regParam/2) ||w||^2 + l1 ||w||_1},
 * computed by data partitions from broadcast weights. Subclasses say how a partition computes its
 * {@link PartialSums} for a step; this class turns the sums into the objective.
 *
 * <p>Two ways to use it: {@link #evaluate} (the {@link DifferentiableLoss} contract) brings the
 * partitions' sums to the driver through an {@link OrderedTreeSum} (one job without a shuffle for
 * a few partitions), for variables held in the driver; a mesh runtime instead reduce-scatters the sums to the variable shards (see
 * {@link ShardedStep#reduceScatter}), and no gradient is gathered on the driver.
 *
 * <p>The batch of a step is chosen from the step number: the bound optimizer's iteration count
 * ({@link #bindSteps}), or the number of evaluations so far.
 */
public abstract class DatasetLoss implements DifferentiableLoss, Serializable, AutoCloseable {
  private static final long serialVersionUID = 1L;

  private final double regParam;
  private double l1;
  private int aggregationDepth = 2;
  private transient Optimizer stepClock;
  private transient long evaluations;
  private transient StepStats lastStepStats;
  private transient WeightShipper shipper;
  /** What {@link #close} closes too (see {@link #closeWith}). */
  private transient List<AutoCloseable> closeWith;

  /** @param regParam L2 strength, {@code >= 0} */
  protected DatasetLoss(double regParam) {
    if (!(Double.isFinite(regParam) && regParam >= 0)) {
      throw new IllegalArgumentException("regParam must be a finite number >= 0, got " + regParam);
    }
    this.regParam = regParam;
  }

  /**
   * One {@link PartialSums} per data partition (with its partition index as source) at the
   * shipped weights, over that partition's share of step {@code step}'s batch.
   *
   * @param weights the whole value of each variable, in the order of the variables list
   */
  public abstract JavaRDD<PartialSums> partialSums(ShippedWeights weights, long step);

  /**
   * Whether the variable at {@code position} can be computed with from only the rows its batch
   * touches ({@link #batchRows}, {@link #partialSums(ShippedWeights, ShippedRows, long)}): a
   * variable indexed by feature on axis 0. False unless a subclass supports the row-sparse pull.
   */
  public boolean canPullRows(int position) {
    return false;
  }

  /**
   * Per data partition (one element each, in partition order), the sorted features its share of
   * step {@code step}'s batch touches, or {@code null} when it may touch every feature; a pure
   * function of the partition and the step.
   *
   * @throws UnsupportedOperationException unless {@link #canPullRows} holds for some position
   */
  public JavaRDD<int[]> batchRows(long step) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " does not support the row-sparse pull");
  }

  /**
   * {@link #partialSums(ShippedWeights, long)} where the pulled variables' weights are only the
   * rows of {@code pulled} (one payload per step, inline or broadcast; their entries of {@code weights} are not read), bit for bit the same sums.
   *
   * @throws UnsupportedOperationException unless {@link #canPullRows} holds for some position
   */
  public JavaRDD<PartialSums> partialSums(ShippedWeights weights, ShippedRows pulled, long step) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " does not support the row-sparse pull");
  }

  /** Number of data partitions ({@link #partialSums} has one element per partition). */
  public abstract int numPartitions();

  /** Whether the variable at {@code position} of the variables list is L2-regularised. */
  public abstract boolean isRegularized(int position);

  /** The Spark context the data lives in. */
  public abstract JavaSparkContext sparkContext();

  public final double regParam() {
    return regParam;
  }

  /** L1 strength on the regularised variables ({@code l1 ||w||_1}, default 0). */
  public final double l1() {
    return l1;
  }

  /**
   * Adds {@code l1 ||w||_1} on the regularised variables (gradient {@code l1 * sign(w)}, as Keras'
   * {@code L1L2} regularizer; see {@link Penalty}).
   *
   * @throws IllegalArgumentException unless {@code l1} is finite and {@code >= 0}
   */
  public final DatasetLoss setL1(double l1) {
    if (!(Double.isFinite(l1) && l1 >= 0)) {
      throw new IllegalArgumentException("l1 must be a finite number >= 0, got " + l1);
    }
    this.l1 = l1;
    return this;
  }

  /** The regularisation of the variable at {@code position}: {@link Penalty#NONE} unless it is regularised. */
  public final Penalty penalty(int position) {
    return isRegularized(position) ? Penalty.of(regParam, l1) : Penalty.NONE;
  }

  /** Depth of the ordered tree sum of {@link #evaluate} (default 2, as MLlib's {@code aggregationDepth}). */
  public final DatasetLoss setAggregationDepth(int depth) {
    if (depth < 1) {
      throw new IllegalArgumentException("aggregationDepth must be >= 1, got " + depth);
    }
    this.aggregationDepth = depth;
    return this;
  }

  /** Depth of the ordered tree sum (see {@link #setAggregationDepth}). */
  public final int aggregationDepth() {
    return aggregationDepth;
  }

  /**
   * The data partitions and what one partition contributes to a step, for the many-steps-per-job
   * engine ({@link io.meshgrad.runtime.engine.StepEngine}), whose tasks compute their partition's
   * sums themselves; {@code null} (the default) where a loss does not offer them: the engine then
   * does not apply.
   */
  public EngineData<?> engineData() {
    return null;
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

  /** The regularisation term's value, {@code (regParam/2) ||w||^2 + l1 ||w||_1} over the regularised variables. */
  public final double penaltyValue(List<Tensor> values) {
    Penalty p = Penalty.of(regParam, l1);
    if (p.isZero()) {
      return 0;
    }
    double squares = 0;
    double abs = 0;
    for (int i = 0; i < values.size(); i++) {
      if (isRegularized(i)) {
        Tensor t = values.get(i);
        for (int j = 0; j < t.size(); j++) {
          double x = t.get(j);
          squares += x * x;
          abs += Math.abs(x);
        }
      }
    }
    return p.value(squares, abs);
  }

  /** What ships this loss's weights to the data partitions in {@link #evaluate} (created on first use). */
  private WeightShipper shipper() {
    if (shipper == null) {
      shipper = new WeightShipper(sparkContext());
    }
    return shipper;
  }

  /**
   * Closes {@code resource} when this loss is next closed (what serves this loss for a fit, such as
   * the engine's transport, which opens anew when used again). Each registration is closed once:
   * {@link #close} forgets what it closed.
   */
  public void closeWith(AutoCloseable resource) {
    if (resource == null) {
      throw new IllegalArgumentException("closeWith: resource must not be null");
    }
    if (closeWith == null) {
      closeWith = new ArrayList<>();
    }
    closeWith.add(resource);
  }

  /**
   * Destroys the weight broadcasts of {@link #evaluate}, then closes what was given to {@link
   * #closeWith} since the last close, the last registered first (as try-with-resources would), and
   * forgets them; the loss can still be evaluated (it ships anew). Every one is closed even when
   * one fails: the first failure is thrown (a checked one inside an {@link IllegalStateException}),
   * with the later ones {@linkplain Throwable#addSuppressed suppressed} in it.
   */
  @Override
  public void close() {
    Throwable failure = null;
    if (shipper != null) {
      WeightShipper s = shipper;
      shipper = null;
      try {
        s.close();
      } catch (RuntimeException e) {
        failure = e;
      }
    }
    if (closeWith != null) {
      List<AutoCloseable> resources = closeWith;
      closeWith = null;
      for (int i = resources.size() - 1; i >= 0; i--) {
        try {
          resources.get(i).close();
        } catch (Exception e) {
          if (failure == null) {
            failure = e;
          } else {
            failure.addSuppressed(e);
          }
        }
      }
    }
    if (failure instanceof RuntimeException r) {
      throw r;
    }
    if (failure != null) {
      throw new IllegalStateException("closing a resource of the loss failed: " + failure, failure);
    }
  }

  @Override
  public LossAndGradients evaluate(List<Variable> variables) {
    long start = System.nanoTime();
    long step = currentStep();
    List<Tensor> values = new ArrayList<>();
    for (Variable v : variables) {
      values.add(v.value());
    }
    WeightShipper ship = shipper();
    ShippedWeights shipped = ship.ship(values);
    PartialSums total;
    try {
      total = OrderedTreeSum.sum(partialSums(shipped, step), PartialSums::source, numPartitions(),
          aggregationDepth, PartialSums::plus);
    } finally {
      ship.releaseRetired();
    }
    Objective o = objective(total, variables, values);
    evaluations++;
    recordStepStats(new StepStats(o.lossAndGradients().loss(), total.count(), total.weightSum(), o.gradientNorms(),
        o.gradientMaxAbs(), ship.lastShippedBytes(), total.bytesShipped(), total.bytesShipped(), 0,
        (System.nanoTime() - start) / 1e9), stepClock);
    return o.lossAndGradients();
  }

  /**
   * The objective's value and gradients at {@code values} from the step's partials summed in the
   * fixed order ({@link OrderedTreeSum}), with each gradient's L2 norm and the largest absolute
   * gradient element (for {@link StepStats}). The one code path from sums to gradients of
   * variables held whole in a process: {@link #evaluate} on the driver, and every task of the
   * many-steps-per-job engine on its replicas.
   *
   * <p>Overridden only by a loss whose partials carry something else than per-row gradient sums
   * (the conformance replay of given gradients, {@code io.meshgrad.conformance.GradientReplayLoss});
   * both paths still call it on the partials summed in the fixed order.
   *
   * @param values the variables' values the partials were computed at, in the order of {@code variables}
   */
  public Objective objective(PartialSums total, List<Variable> variables, List<Tensor> values) {
    List<Gradient> gradients = new ArrayList<>();
    double[] norms = new double[variables.size()];
    double maxAbs = 0;
    for (int i = 0; i < variables.size(); i++) {
      Variable v = variables.get(i);
      Gradient g = ObjectiveGradient.of(total.gradient(i), total.weightSum(), penalty(i), values.get(i), v.shape(),
          v.dtype());
      gradients.add(g);
      norms[i] = Math.sqrt(GradientClipping.sumOfSquares(g));
      for (int j = 0; j < g.values().size(); j++) {
        maxAbs = Math.max(maxAbs, Math.abs(g.values().get(j)));
      }
    }
    double loss = ObjectiveGradient.value(total.lossSum(), total.weightSum(), penaltyValue(values));
    return new Objective(new LossAndGradients(loss, gradients), norms, maxAbs);
  }

  /** What {@link #objective} gives: the loss and gradients, each gradient's L2 norm, the largest |gradient element|. */
  public record Objective(LossAndGradients lossAndGradients, double[] gradientNorms, double gradientMaxAbs) {}
}
