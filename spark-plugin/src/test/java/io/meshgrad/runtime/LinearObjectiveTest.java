package io.meshgrad.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.LocalSpark;
import io.meshgrad.Rows;
import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.LabelValidator;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.loss.GradientSum;
import io.meshgrad.loss.Instance;
import io.meshgrad.loss.InstanceBlock;
import io.meshgrad.loss.LeastSquaresLoss;
import io.meshgrad.loss.MultinomialLogisticLoss;
import io.meshgrad.optimizer.LossAndGradients;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import scala.Tuple2;

/**
 * The objective of a linear model ({@link ModelLoss#linear}) over {@link TrainingData}: its per-partition sums, their deterministic
 * {@link OrderedTreeSum}, and the objective {@link io.meshgrad.runtime.DatasetLoss#evaluate}
 * builds from them, all checked against sums computed on the driver from the input rows. (These
 * are the checks of the former {@code TrainingData.treeAggregate} test, on the code that replaced
 * it.)
 */
class LinearObjectiveTest {
  private static final int D = 8;
  private static final int K = 3;
  private static final int ROWS = 500;
  private static final int PARTITIONS = 16;
  private static final double REG_PARAM = 0.1;
  private static final double REL_TOL = 1e-9;

  private static final BlockLoss LEAST_SQUARES = new LeastSquaresLoss();
  private static final BlockLoss MULTINOMIAL = new MultinomialLogisticLoss(K);

  private static SparkSession spark;
  private static JavaSparkContext jsc;
  /** The input rows, in input order: partition p holds a contiguous range of them. */
  private static List<Instance> rows;
  private static TrainingData data;

  @BeforeAll
  static void setUp() {
    spark = LocalSpark.start("LinearObjectiveTest");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    rows = Rows.random(11, ROWS, D, false, true);
    // small blocks, so that a partition's sums add several blocks
    data =
        TrainingData.from(
            LocalSpark.frame(spark, rows, 5), "features", "label", "w", PARTITIONS,
            LabelValidator.any(), 2000);
  }

  @AfterAll
  static void tearDown() {
    data.close();
    LocalSpark.stop(spark);
  }

  static Stream<Arguments> lossesWithAndWithoutIntercept() {
    return Stream.of(
        Arguments.of(LEAST_SQUARES, false),
        Arguments.of(LEAST_SQUARES, true),
        Arguments.of(MULTINOMIAL, false),
        Arguments.of(MULTINOMIAL, true));
  }

  // ---------------------------------------------------------------- partial sums and tree sum

  @ParameterizedTest
  @MethodSource("lossesWithAndWithoutIntercept")
  void theFullBatchSumsEveryRow(BlockLoss loss, boolean fitIntercept) {
    Params params = Params.random(loss, 12);
    try (ModelLoss objective = objective(loss, fullBatch(), fitIntercept, 0.0)) {
      PartialSums sums = treeSum(objective, params.weights(fitIntercept), 0, 2);
      assertEquals(
          data.totalWeight(), sums.weightSum(), 1e-12 * data.totalWeight(), "weightSum");
      assertMatches(onTheDriver(loss, rows, params, fitIntercept), sums);
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void everyEpochOfMiniBatchesSumsToTheFullBatch(boolean fitIntercept) {
    Params params = Params.random(LEAST_SQUARES, 13);
    BatchPlan plan = BatchPlan.miniBatch(data.rowsPerPartition(), 37, 99);
    assertEquals(14, plan.stepsPerEpoch());
    // the second epoch visits the rows in another order
    assertNotEquals(rowsOfStep(plan, 0), rowsOfStep(plan, plan.stepsPerEpoch()));

    GradientSum fullBatch = onTheDriver(LEAST_SQUARES, rows, params, fitIntercept);
    double[][] weights = params.weights(fitIntercept);
    try (ModelLoss objective = objective(LEAST_SQUARES, plan, fitIntercept, 0.0)) {
      for (long epoch = 0; epoch < 2; epoch++) {
        PartialSums total = null;
        for (long k = 0; k < plan.stepsPerEpoch(); k++) {
          long step = epoch * plan.stepsPerEpoch() + k;
          PartialSums sums = treeSum(objective, weights, step, 2);
          List<Instance> batch = rowsOfStep(plan, step);
          assertEquals(plan.rowsInStep(step), batch.size(), "rows of step " + step);
          assertMatches(onTheDriver(LEAST_SQUARES, batch, params, fitIntercept), sums);
          total = total == null ? sums : total.plus(sums);
        }
        assertMatches(fullBatch, total);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 5})
  void treeSumsAreBitIdenticalAcrossRuns(int depth) {
    Params params = Params.random(MULTINOMIAL, 14);
    double[][] weights = params.weights(true);
    BatchPlan plan = BatchPlan.miniBatch(data.rowsPerPartition(), 200, 5);
    long step = 4; // the second step of the second epoch
    try (ModelLoss objective = objective(MULTINOMIAL, plan, true, 0.0)) {
      PartialSums first = treeSum(objective, weights, step, depth);
      assertMatches(onTheDriver(MULTINOMIAL, rowsOfStep(plan, step), params, true), first);
      for (int run = 0; run < 3; run++) {
        assertBitIdentical(first, treeSum(objective, weights, step, depth));
      }
      if (depth == 1) {
        assertBitIdentical(inPartitionOrder(objective, weights, step), first);
      }
    }
  }

  @Test
  void treeSumRejectsDepthZero() {
    try (ModelLoss objective = objective(LEAST_SQUARES, fullBatch(), false, 0.0)) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class,
              () -> treeSum(objective, Params.random(LEAST_SQUARES, 1).weights(false), 0, 0));
      assertEquals("depth must be >= 1, got 0", e.getMessage());
    }
  }

  // ---------------------------------------------------------------- the objective

  @ParameterizedTest
  @MethodSource("lossesWithAndWithoutIntercept")
  void evaluateGivesTheRegularisedMeanLossAndItsGradient(BlockLoss loss, boolean fitIntercept) {
    Params params = Params.random(loss, 15);
    try (ModelLoss objective = objective(loss, fullBatch(), fitIntercept, REG_PARAM)) {
      int[] coefShape = loss.numOutputs() == 1 ? new int[] {D} : new int[] {D, K};
      assertArrayEquals(coefShape, objective.model().variables().get(0).shape());
      List<Variable> vars = variables(objective, params, fitIntercept);

      GradientSum driver = onTheDriver(loss, rows, params, fitIntercept);
      double w = driver.weightSum();
      double[] coef = params.coef();
      double squares = 0;
      double[] coefGrad = driver.coefGrad();
      for (int j = 0; j < coef.length; j++) {
        squares += coef[j] * coef[j];
        coefGrad[j] = coefGrad[j] / w + REG_PARAM * coef[j];
      }
      double expectedLoss = driver.lossSum() / w + REG_PARAM / 2 * squares;

      LossAndGradients result = objective.evaluate(vars);
      assertClose(expectedLoss, result.loss(), "loss");
      assertEquals(vars.size(), result.gradients().size());
      assertGradient(coefGrad, coefShape, result.gradients().get(0), "coefficients");
      if (fitIntercept) {
        double[] interceptGrad = driver.interceptGrad();
        for (int k = 0; k < interceptGrad.length; k++) {
          interceptGrad[k] /= w; // the intercept is not regularised
        }
        assertGradient(interceptGrad, new int[] {loss.numOutputs()}, result.gradients().get(1),
            "intercept");
      }

      LossAndGradients again = objective.evaluate(vars);
      assertEquals(Rows.bits(result.loss()), Rows.bits(again.loss()), "loss bits of a second evaluation");
      for (int i = 0; i < vars.size(); i++) {
        assertArrayEquals(Rows.bits(dense(result.gradients().get(i))),
            Rows.bits(dense(again.gradients().get(i))),
            "gradient bits of " + vars.get(i).name() + " in a second evaluation");
      }
    }
  }

  @Test
  void aggregationDepthZeroIsRejected() {
    try (ModelLoss objective = objective(LEAST_SQUARES, fullBatch(), true, REG_PARAM)) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> objective.setAggregationDepth(0));
      assertEquals("aggregationDepth must be >= 1, got 0", e.getMessage());
    }
  }

  // ---------------------------------------------------------------- plan and life cycle

  @Test
  void aPlanForOtherPartitionSizesIsRejected() {
    long[] sizes = data.rowsPerPartition();
    assertEquals(32, sizes[0]);
    assertEquals(31, sizes[PARTITIONS - 1]);
    // as many partitions and rows in all, but one row moved from the first to the last partition
    long[] moved = sizes.clone();
    moved[0]--;
    moved[PARTITIONS - 1]++;
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class,
            () -> objective(LEAST_SQUARES, BatchPlan.fullBatch(moved), true, 0.0));
    assertEquals(
        "batch plan is for 31 rows in partition 0, the data has 32 (make the plan from"
            + " TrainingData.rowsPerPartition())",
        e.getMessage());

    long[] fewer = Arrays.copyOf(sizes, PARTITIONS - 1);
    e = assertThrows(IllegalArgumentException.class,
        () -> objective(LEAST_SQUARES, BatchPlan.miniBatch(fewer, 10, 1), true, 0.0));
    assertEquals("batch plan is for 15 partitions, the data has 16", e.getMessage());
  }

  @Test
  void closeDestroysThePlanBroadcast() {
    Params params = Params.random(LEAST_SQUARES, 16);
    ModelLoss objective = objective(LEAST_SQUARES, fullBatch(), true, REG_PARAM);
    List<Variable> vars = variables(objective, params, true);
    double loss = objective.evaluate(vars).loss();
    assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);

    objective.close();
    Exception e = assertThrows(Exception.class, () -> objective.evaluate(vars));
    assertTrue(mentions(e, "destroyed"), "expected a destroyed broadcast, got " + e);
  }

  // ---------------------------------------------------------------- helpers

  /** Coefficients {@code [D, numOutputs]} row-major and an intercept {@code [numOutputs]}. */
  private record Params(double[] coef, double[] intercept) {
    static Params random(BlockLoss loss, long seed) {
      Random rnd = new Random(seed);
      int outputs = loss.numOutputs();
      return new Params(rnd.doubles(D * outputs, -1, 1).toArray(),
          rnd.doubles(outputs, -1, 1).toArray());
    }

    /** The broadcast form: the variables' values in order. */
    double[][] weights(boolean fitIntercept) {
      return fitIntercept ? new double[][] {coef, intercept} : new double[][] {coef};
    }
  }

  private static BatchPlan fullBatch() {
    return BatchPlan.fullBatch(data.rowsPerPartition());
  }

  private static ModelLoss objective(
      BlockLoss loss, BatchPlan plan, boolean fitIntercept, double regParam) {
    return ModelLoss.linear(data, loss, plan, fitIntercept, regParam);
  }

  /** Float64 driver variables holding the parameters, in the order the objective expects. */
  private static List<Variable> variables(
      ModelLoss objective, Params params, boolean fitIntercept) {
    List<Variable> vars = new ArrayList<>();
    vars.add(new Variable("coefficients",
        Tensor.of(params.coef().clone(), objective.model().variables().get(0).shape())));
    if (fitIntercept) {
      vars.add(new Variable("intercept",
          Tensor.of(params.intercept().clone(), params.intercept().length)));
    }
    return vars;
  }

  /** The partitions' sums at {@code weights} for {@code step}, keyed by partition. */
  private static PartialSums treeSum(
      ModelLoss objective, double[][] weights, long step, int depth) {
    try (WeightShipper shipper = new WeightShipper(jsc)) {
      return OrderedTreeSum.sum(
          objective.partialSums(ship(shipper, weights), step).mapToPair(p -> new Tuple2<>(p.source(), p)),
          objective.numPartitions(), depth, PartialSums::plus);
    }
  }

  private static ShippedWeights ship(WeightShipper shipper, double[][] weights) {
    List<Tensor> values = new ArrayList<>();
    for (double[] w : weights) {
      values.add(Tensor.of(w.clone(), w.length));
    }
    return shipper.ship(values);
  }

  /** The partitions' sums collected and added on the driver, partition 0 first. */
  private static PartialSums inPartitionOrder(
      ModelLoss objective, double[][] weights, long step) {
    try (WeightShipper shipper = new WeightShipper(jsc)) {
      JavaRDD<PartialSums> partials = objective.partialSums(ship(shipper, weights), step);
      List<PartialSums> collected = partials.collect();
      assertEquals(PARTITIONS, collected.size());
      PartialSums total = collected.get(0);
      for (int p = 1; p < collected.size(); p++) {
        assertEquals(p, collected.get(p).source(), "source of partial " + p);
        total = total.plus(collected.get(p));
      }
      return total;
    }
  }

  /** The input rows step {@code step} of {@code plan} uses (partition p holds a contiguous range). */
  private static List<Instance> rowsOfStep(BatchPlan plan, long step) {
    List<Instance> batch = new ArrayList<>();
    long first = 0;
    for (int p = 0; p < plan.numPartitions(); p++) {
      for (int position : plan.rowsFor(step, p)) {
        batch.add(rows.get((int) (first + position)));
      }
      first += plan.rowsInPartition(p);
    }
    return batch;
  }

  private static GradientSum onTheDriver(
      BlockLoss loss, List<Instance> batch, Params params, boolean fitIntercept) {
    return new GradientSum(D, loss.numOutputs(), fitIntercept)
        .add(loss, InstanceBlock.fromInstances(batch, D), params.coef(),
            fitIntercept ? params.intercept() : null);
  }

  private static void assertMatches(GradientSum expected, PartialSums actual) {
    assertClose(expected.weightSum(), actual.weightSum(), "weightSum");
    assertClose(expected.lossSum(), actual.lossSum(), "lossSum");
    assertEquals(expected.fitIntercept() ? 2 : 1, actual.numVariables(), "variables");
    assertArrayClose(expected.coefGrad(), actual.gradient(0).toDense(), "coefficient gradient sums");
    if (expected.fitIntercept()) {
      assertArrayClose(expected.interceptGrad(), actual.gradient(1).toDense(), "intercept gradient sums");
    }
  }

  private static void assertGradient(double[] expected, int[] shape, Gradient actual, String what) {
    assertArrayEquals(shape, actual.denseShape(), "shape of the gradient of " + what);
    assertArrayClose(expected, dense(actual), "gradient of " + what);
  }

  private static void assertBitIdentical(PartialSums expected, PartialSums actual) {
    assertEquals(Rows.bits(expected.weightSum()), Rows.bits(actual.weightSum()), "weightSum bits");
    assertEquals(Rows.bits(expected.lossSum()), Rows.bits(actual.lossSum()), "lossSum bits");
    assertEquals(expected.numVariables(), actual.numVariables(), "variables");
    for (int v = 0; v < expected.numVariables(); v++) {
      assertArrayEquals(Rows.bits(expected.gradient(v).toDense()), Rows.bits(actual.gradient(v).toDense()),
          "gradient bits of variable " + v);
    }
  }

  private static void assertClose(double expected, double actual, String what) {
    assertEquals(expected, actual, REL_TOL * Math.max(1.0, Math.abs(expected)), what);
  }

  /** Element-wise, relative to the largest expected magnitude. */
  private static void assertArrayClose(double[] expected, double[] actual, String what) {
    assertEquals(expected.length, actual.length, "length of " + what);
    double scale = 1.0;
    for (double x : expected) {
      scale = Math.max(scale, Math.abs(x));
    }
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], REL_TOL * scale, what + "[" + i + "]");
    }
  }

  /** A gradient's values as a dense row-major array. */
  private static double[] dense(Gradient gradient) {
    if (gradient instanceof Tensor t) {
      return t.toDoubleArray();
    }
    IndexedSlices slices = assertInstanceOf(IndexedSlices.class, gradient);
    int[] shape = slices.denseShape();
    double[] out = new double[Math.toIntExact(Tensor.numElements(shape))];
    int rowLength = out.length / shape[0];
    double[] values = slices.values().toDoubleArray();
    for (int r = 0; r < slices.numRows(); r++) {
      for (int j = 0; j < rowLength; j++) {
        out[slices.index(r) * rowLength + j] += values[r * rowLength + j];
      }
    }
    return out;
  }

  private static boolean mentions(Throwable e, String word) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c.getMessage() != null && c.getMessage().contains(word)) {
        return true;
      }
    }
    return false;
  }
}
