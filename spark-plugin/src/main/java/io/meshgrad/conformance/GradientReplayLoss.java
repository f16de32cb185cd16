package io.meshgrad.conformance;

import io.meshgrad.optimizer.GradientClipping;
import io.meshgrad.optimizer.LossAndGradients;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.DatasetLoss;
import io.meshgrad.runtime.EngineData;
import io.meshgrad.runtime.PartialSums;
import io.meshgrad.runtime.RowSums;
import io.meshgrad.runtime.ShippedWeights;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A {@link DatasetLoss} whose "data" is a scenario's list of per-step gradients, so that a
 * conformance scenario runs through the same Spark paths as a fit: the job-per-step path ({@link
 * #evaluate}: the partitions' sums gathered with the ordered tree sum) and the many-steps-per-job
 * engine ({@link io.meshgrad.runtime.engine.StepEngine}: each task computes its partition's sums and
 * the tasks exchange them). Its loss value is 0.
 *
 * <p>How the gradients travel. Step {@code s} (counted from the optimizer's iteration count when
 * the loss was made) is carried by partition {@code s mod numPartitions}, so every partition
 * carries some steps. Each variable's gradient of the step is encoded as one flat array of
 * doubles: {@code [0]} for no gradient ({@code null}, Keras' {@code None}), {@code [1, values...]}
 * for a dense one, {@code [2, n, indices..., values...]} for {@link IndexedSlices} (duplicates and
 * their order kept, as Keras' sparse path needs them). The carrying partition holds the encoding,
 * every other partition an array of the same length filled with {@code -0.0}. Since {@code x +
 * (-0.0)} is exactly {@code x} for every double (also {@code -0.0}, infinities and NaN), the fixed
 * order sum of the partitions is the carrying partition's array bit for bit, whatever the order
 * and depth of the tree; indices are small integers, exact as doubles; float32 values are widened
 * to double exactly and narrowed back exactly. The weight sum is {@code 1.0} (the carrier's), so
 * {@link #objective} decodes exactly the scenario's gradient.
 */
public final class GradientReplayLoss extends DatasetLoss {
  private static final long serialVersionUID = 1L;
  private static final double NONE = 0;
  private static final double DENSE = 1;
  private static final double SPARSE = 2;

  private final transient JavaSparkContext jsc;
  private final int numPartitions;
  private final transient JavaRDD<Integer> partitions;
  private final Carrier carrier;

  /**
   * @param jsc where the partitions live
   * @param scenario the gradients to replay
   * @param numPartitions data partitions ({@code >= 1}); each carries every {@code numPartitions}-th step
   * @param firstStep the optimizer's iteration count before the scenario's first step
   */
  public GradientReplayLoss(JavaSparkContext jsc, Scenario scenario, int numPartitions, long firstStep) {
    super(0);
    if (numPartitions < 1) {
      throw new IllegalArgumentException("numPartitions must be >= 1, got " + numPartitions);
    }
    this.jsc = jsc;
    this.numPartitions = numPartitions;
    double[][][] codes = new double[scenario.steps().size()][][];
    for (int s = 0; s < codes.length; s++) {
      List<Gradient> step = scenario.steps().get(s);
      codes[s] = new double[step.size()][];
      for (int v = 0; v < step.size(); v++) {
        codes[s][v] = encode(step.get(v));
      }
    }
    this.carrier = new Carrier(codes, numPartitions, firstStep);
    this.partitions = jsc.parallelize(IntStream.range(0, numPartitions).boxed().toList(), numPartitions);
  }

  @Override
  public JavaRDD<PartialSums> partialSums(ShippedWeights weights, long step) {
    Carrier c = carrier;
    return partitions.map(p -> c.of(p, step, null));
  }

  @Override
  public EngineData<?> engineData() {
    return new EngineData<>(partitions, carrier);
  }

  @Override
  public int numPartitions() {
    return numPartitions;
  }

  @Override
  public boolean isRegularized(int position) {
    return false;
  }

  @Override
  public JavaSparkContext sparkContext() {
    return jsc;
  }

  /** Decodes the summed partials into the step's gradients (see the class comment); the loss is 0. */
  @Override
  public Objective objective(PartialSums total, List<Variable> variables, List<Tensor> values) {
    if (total.weightSum() != 1.0) {
      throw new IllegalStateException("the replayed step was carried by " + total.weightSum()
          + " partitions; expected exactly one");
    }
    List<Gradient> gradients = new ArrayList<>();
    double[] norms = new double[variables.size()];
    double maxAbs = 0;
    for (int i = 0; i < variables.size(); i++) {
      Gradient g = decode(total.gradient(i).toDense(), variables.get(i));
      gradients.add(g);
      if (g != null) {
        norms[i] = Math.sqrt(GradientClipping.sumOfSquares(g));
        for (double x : g.values().toDoubleArray()) {
          maxAbs = Math.max(maxAbs, Math.abs(x));
        }
      }
    }
    return new Objective(new LossAndGradients(0.0, gradients), norms, maxAbs);
  }

  static double[] encode(Gradient g) {
    if (g == null) {
      return new double[] {NONE};
    }
    if (g instanceof IndexedSlices s) {
      int n = s.numRows();
      double[] values = s.values().toDoubleArray();
      double[] out = new double[2 + n + values.length];
      out[0] = SPARSE;
      out[1] = n;
      for (int r = 0; r < n; r++) {
        out[2 + r] = s.index(r);
      }
      System.arraycopy(values, 0, out, 2 + n, values.length);
      return out;
    }
    double[] values = ((Tensor) g).toDoubleArray();
    double[] out = new double[1 + values.length];
    out[0] = DENSE;
    System.arraycopy(values, 0, out, 1, values.length);
    return out;
  }

  static Gradient decode(double[] code, Variable v) {
    if (code[0] == NONE) {
      return null;
    }
    if (code[0] == DENSE) {
      return Tensor.fromDoubles(v.dtype(), Arrays.copyOfRange(code, 1, code.length), v.shape());
    }
    if (code[0] != SPARSE) {
      throw new IllegalStateException("not a replayed gradient of " + v.name() + ": kind " + code[0]);
    }
    int n = (int) code[1];
    int[] indices = new int[n];
    for (int r = 0; r < n; r++) {
      indices[r] = (int) code[2 + r];
    }
    int[] valuesShape = v.shape().clone();
    valuesShape[0] = n;
    return new IndexedSlices(indices, Tensor.fromDoubles(v.dtype(), Arrays.copyOfRange(code, 2 + n, code.length),
        valuesShape), v.shape());
  }

  /** What partition {@code p} contributes to a step: the step's encoded gradients if it carries the step, else {@code -0.0}s. */
  private static final class Carrier implements EngineData.PartitionSums<Integer> {
    private static final long serialVersionUID = 1L;
    private final double[][][] codes;
    private final int numPartitions;
    private final long firstStep;

    Carrier(double[][][] codes, int numPartitions, long firstStep) {
      this.codes = codes;
      this.numPartitions = numPartitions;
      this.firstStep = firstStep;
    }

    @Override
    public PartialSums of(Integer partition, long step, double[][] weights) {
      long s = step - firstStep;
      if (s < 0 || s >= codes.length) {
        throw new IllegalStateException("the scenario has steps 0-" + (codes.length - 1) + ", asked for step " + s);
      }
      boolean carries = s % numPartitions == partition;
      double[][] grads = codes[(int) s];
      RowSums[] sums = new RowSums[grads.length];
      for (int v = 0; v < grads.length; v++) {
        double[] a;
        if (carries) {
          a = grads[v].clone(); // the sum may add into it
        } else {
          a = new double[grads[v].length];
          Arrays.fill(a, -0.0);
        }
        sums[v] = RowSums.dense(a, 1);
      }
      return new PartialSums(partition, 0.0, carries ? 1.0 : 0.0, carries ? 1 : 0, sums);
    }
  }
}
