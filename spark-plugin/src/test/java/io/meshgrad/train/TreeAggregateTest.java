package io.meshgrad.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.loss.BlockLoss;
import io.meshgrad.loss.GradientSum;
import io.meshgrad.loss.Instance;
import io.meshgrad.loss.InstanceBlock;
import io.meshgrad.loss.LeastSquaresLoss;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TreeAggregateTest {
  private static final int D = 8;
  private static final int PARTITIONS = 16;

  private static SparkSession spark;
  private static JavaSparkContext jsc;
  private static List<Instance> rows;
  private static TrainingData data;
  private static final BlockLoss LOSS = new LeastSquaresLoss();
  private static double[] coef;
  private static double[] intercept;

  @BeforeAll
  static void setUp() {
    spark = LocalSpark.start("TreeAggregateTest");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    rows = Rows.random(11, 500, D, false, true);
    data =
        TrainingData.from(
            LocalSpark.frame(spark, rows, 5), "features", "label", "w", PARTITIONS,
            LabelValidator.any(), 2000);
    Random rnd = new Random(12);
    coef = rnd.doubles(D, -1, 1).toArray();
    intercept = new double[] {0.3};
  }

  @AfterAll
  static void tearDown() {
    data.close();
    LocalSpark.stop(spark);
  }

  private static GradientSum aggregate(BatchPlan plan, long step, boolean fitIntercept, int depth) {
    Broadcast<BatchPlan> planB = jsc.broadcast(plan);
    Broadcast<double[][]> weights =
        jsc.broadcast(fitIntercept ? new double[][] {coef, intercept} : new double[][] {coef});
    try {
      return TrainingData.treeAggregate(data, LOSS, planB, step, weights, fitIntercept, depth);
    } finally {
      planB.destroy();
      weights.destroy();
    }
  }

  private static GradientSum onTheDriver(boolean fitIntercept) {
    return new GradientSum(D, 1, fitIntercept)
        .add(LOSS, InstanceBlock.fromInstances(rows, D), coef, fitIntercept ? intercept : null);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void theFullBatchSumsEveryRow(boolean fitIntercept) {
    GradientSum sums = aggregate(BatchPlan.fullBatch(data.rowsPerPartition()), 0, fitIntercept, 2);
    assertEquals(500, sums.count());
    assertEquals(data.totalWeight(), sums.weightSum(), 1e-12 * data.totalWeight());
    Rows.assertClose(onTheDriver(fitIntercept), sums, 1e-9);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void everyEpochOfMiniBatchesSumsToTheFullBatch(boolean fitIntercept) {
    BatchPlan plan = BatchPlan.miniBatch(data.rowsPerPartition(), 37, 99);
    assertEquals(14, plan.stepsPerEpoch());
    Broadcast<BatchPlan> planB = jsc.broadcast(plan);
    Broadcast<double[][]> weights =
        jsc.broadcast(fitIntercept ? new double[][] {coef, intercept} : new double[][] {coef});
    GradientSum expected = onTheDriver(fitIntercept);
    for (long epoch = 0; epoch < 2; epoch++) {
      GradientSum total = new GradientSum(D, 1, fitIntercept);
      for (long k = 0; k < plan.stepsPerEpoch(); k++) {
        long step = epoch * plan.stepsPerEpoch() + k;
        GradientSum sums =
            TrainingData.treeAggregate(data, LOSS, planB, step, weights, fitIntercept, 2);
        assertEquals(plan.rowsInStep(step), sums.count(), "rows of step " + step);
        total.merge(sums);
      }
      Rows.assertClose(expected, total, 1e-9);
    }
    planB.destroy();
    weights.destroy();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 5})
  void sumsAreBitIdenticalAcrossRuns(int depth) {
    BatchPlan plan = BatchPlan.miniBatch(data.rowsPerPartition(), 200, 5);
    GradientSum first = aggregate(plan, 4, true, depth);
    for (int run = 0; run < 3; run++) {
      Rows.assertBitIdentical(first, aggregate(plan, 4, true, depth));
    }
    if (depth == 1) {
      Rows.assertBitIdentical(inPartitionOrder(plan, 4), first);
    }
  }

  @Test
  void rejectsMismatchedPlansAndWeights() {
    long[] rowsPerPartition = data.rowsPerPartition();
    rowsPerPartition[0]++;
    BatchPlan wrong = BatchPlan.fullBatch(rowsPerPartition);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> aggregate(wrong, 0, true, 2));
    assertTrue(e.getMessage().startsWith("plan must be made for rowsPerPartition [32, 32,"),
        e.getMessage());

    BatchPlan plan = BatchPlan.fullBatch(data.rowsPerPartition());
    Broadcast<BatchPlan> planB = jsc.broadcast(plan);
    Broadcast<double[][]> noIntercept = jsc.broadcast(new double[][] {coef});
    e = assertThrows(IllegalArgumentException.class,
        () -> TrainingData.treeAggregate(data, LOSS, planB, 0, noIntercept, true, 2));
    assertEquals("intercept must have length 1 (fitIntercept), got none", e.getMessage());
    Broadcast<double[][]> shortCoef = jsc.broadcast(new double[][] {new double[D - 1]});
    e = assertThrows(IllegalArgumentException.class,
        () -> TrainingData.treeAggregate(data, LOSS, planB, 0, shortCoef, false, 2));
    assertEquals(
        "coefficients must have length 8 (numFeatures x numOutputs), got length 7",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> TrainingData.treeAggregate(data, LOSS, planB, 0, noIntercept, false, 0));
    assertEquals("depth must be >= 1, got 0", e.getMessage());
  }

  @Test
  void aClosedDataSetCannotBeAggregated() {
    TrainingData small =
        TrainingData.from(
            LocalSpark.frame(spark, rows.subList(0, 10), 1), "features", "label", "w", 2,
            LabelValidator.any());
    Broadcast<BatchPlan> planB = jsc.broadcast(BatchPlan.fullBatch(small.rowsPerPartition()));
    Broadcast<double[][]> weights = jsc.broadcast(new double[][] {coef});
    assertEquals(10, TrainingData.treeAggregate(small, LOSS, planB, 0, weights, false, 1).count());
    small.close();
    assertThrows(IllegalStateException.class,
        () -> TrainingData.treeAggregate(small, LOSS, planB, 0, weights, false, 1));
  }

  /** The partitions' sums computed on the driver and merged in partition order. */
  private static GradientSum inPartitionOrder(BatchPlan plan, long step) {
    GradientSum total = null;
    for (PartitionRows partition : data.rdd().collect()) {
      GradientSum sums = partition.gradientSum(LOSS, plan, step, coef, intercept, true);
      total = total == null ? sums : total.merge(sums);
    }
    return total;
  }
}
