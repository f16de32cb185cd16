package io.meshgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.LocalSpark;
import io.meshgrad.Rows;
import io.meshgrad.SparkListeners;
import io.meshgrad.loss.Instance;
import io.meshgrad.loss.InstanceBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How {@link TrainingData#from} moves rows into their partitions, and what it costs in Spark jobs
 * and stages: the same blocks, bit for bit, whether the input already is laid out as the data
 * partitions (packed in place, no shuffle) or not (one shuffle of row chunks), and exactly those
 * blocks that packing each partition's balanced range of the rows on the driver gives.
 */
class TrainingDataLayoutTest {
  private static final long MAX_BLOCK_BYTES = 8_000;

  private static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = LocalSpark.start("TrainingDataLayoutTest");
  }

  @AfterAll
  static void stopSpark() {
    LocalSpark.stop(spark);
  }

  /**
   * Rows of both kinds of vectors, explicit zeros and -0.0 in sparse ones, and weights other than 1;
   * with {@code wide}, dense rows of 2000 features, so that a shuffled input partition is cut into
   * several chunks ({@link RowNumbering#MAX_CHUNK_VALUES}).
   */
  private static List<Instance> mixedRows(int n, boolean wide) {
    int d = wide ? 2000 : 30;
    List<Instance> sparse = Rows.random(11, n, d, true, true);
    List<Instance> dense = Rows.random(12, n, d, false, true);
    List<Instance> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Instance row = (wide ? i % 5 != 0 : i % 3 == 0) ? dense.get(i) : sparse.get(i);
      if (i % 7 == 1) {
        row = new Instance(row.label(), row.weight(),
            Rows.sparse(d, new int[] {0, 3, d - 1}, new double[] {0.0, -0.0, 2.5}));
      } else if (i % 7 == 2) {
        double[] x = new double[d];
        x[1] = -0.0;
        x[2] = 1.5;
        row = new Instance(row.label(), 1.0, new DenseVector(x));
      }
      rows.add(row);
    }
    return rows;
  }

  /** Counts the jobs and stages Spark runs while it is registered. */
  private static final class Jobs extends SparkListener {
    private final AtomicInteger jobs = new AtomicInteger();
    private final AtomicInteger stages = new AtomicInteger();

    static Jobs watch() {
      Jobs j = new Jobs();
      spark.sparkContext().addSparkListener(j);
      return j;
    }

    void stop() {
      SparkListeners.removeWhenDelivered(spark.sparkContext(), this);
    }

    @Override
    public void onJobStart(SparkListenerJobStart start) {
      jobs.incrementAndGet();
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
      stages.incrementAndGet();
    }
  }

  @ParameterizedTest(name = "{0} rows, {1} input partitions, P = {2}, wide {3}: {4} stages")
  @CsvSource({
      // laid out already (parallelize cuts n rows into k even ranges): packed in place
      "300, 3, 3, false, 2",
      "300, 1, 1, false, 2",
      "200, 2, 2, true, 2",
      // not laid out: one shuffle
      "300, 7, 3, false, 3",
      "300, 1, 3, false, 3",
      "301, 3, 3, false, 3",
      "300, 3, 2, false, 3",
      "200, 1, 2, true, 3",
  })
  void givesTheBlocksOfEachBalancedRangeInTwoJobs(
      int n, int inputPartitions, int numPartitions, boolean wide, int expectedStages) {
    List<Instance> rows = mixedRows(n, wide);
    Dataset<Row> df = LocalSpark.frame(spark, rows, inputPartitions);
    Jobs jobs = Jobs.watch();
    TrainingData data;
    try {
      data = TrainingData.from(df, "features", "label", "w", numPartitions, LabelValidator.any(), MAX_BLOCK_BYTES);
    } finally {
      jobs.stop();
    }
    try (data) {
      assertEquals(2, jobs.jobs.get(), "Spark jobs of TrainingData.from");
      assertEquals(expectedStages, jobs.stages.get(), "Spark stages of TrainingData.from");
      IndexRangePartitioner ranges = new IndexRangePartitioner(n, numPartitions);
      List<PartitionRows> packed = data.rdd().collect();
      int numFeatures = rows.get(0).features().size();
      boolean severalBlocks = false;
      for (int p = 0; p < numPartitions; p++) {
        List<Instance> range = rows.subList((int) ranges.startOf(p), (int) ranges.startOf(p + 1));
        List<InstanceBlock> expected = new ArrayList<>();
        InstanceBlock.blockify(range.iterator(), numFeatures, MAX_BLOCK_BYTES).forEachRemaining(expected::add);
        List<InstanceBlock> actual = new ArrayList<>();
        packed.get(p).blocks().forEach(actual::add);
        assertEquals(expected.size(), actual.size(), "blocks of partition " + p);
        severalBlocks |= actual.size() > 1;
        for (int b = 0; b < expected.size(); b++) {
          assertSameBlock(expected.get(b), actual.get(b), "partition " + p + " block " + b);
        }
      }
      assertTrue(severalBlocks, "expected a partition of several blocks");
    }
  }

  /**
   * A scale from the data costs no job of its own (the counting job adds up its sums), and it is
   * the scale of the sums added row by row in each input partition, then partition by partition in
   * order, whatever order the tasks end in; the packed rows are scaled by it.
   */
  @ParameterizedTest(name = "{0} input partitions")
  @CsvSource({"1", "2", "3", "5"})
  void scaleFromTheDataIsAddedUpByTheCountingJob(int inputPartitions) {
    int n = 300;
    List<Instance> rows = mixedRows(n, false);
    int d = rows.get(0).features().size();
    Jobs jobs = Jobs.watch();
    TrainingData data;
    try {
      data = TrainingData.from(LocalSpark.frame(spark, rows, inputPartitions), "features", "label", "w", 3,
          LabelValidator.any(), FeatureScale.fromData(Integer.MAX_VALUE, null, true));
    } finally {
      jobs.stop();
    }
    try (data) {
      assertEquals(2, jobs.jobs.get(), "Spark jobs of TrainingData.from with a scale from the data");
      double[] total = new double[2 + 2 * d];
      for (int ip = 0; ip < inputPartitions; ip++) {
        // parallelize's cut: rows [ip n / k, (ip + 1) n / k)
        double[] part = new double[2 + 2 * d];
        for (Instance row : rows.subList(ip * n / inputPartitions, (ip + 1) * n / inputPartitions)) {
          double w = row.weight();
          part[0] += w;
          part[1] += w * w;
          row.features().foreachActive((j, v) -> {
            part[2 + 2 * (int) j] += w * (double) v;
            part[3 + 2 * (int) j] += w * (double) v * (double) v;
            return scala.runtime.BoxedUnit.UNIT;
          });
        }
        for (int i = 0; i < total.length; i++) {
          total[i] += part[i];
        }
      }
      double[] sum = new double[d];
      double[] squares = new double[d];
      for (int j = 0; j < d; j++) {
        sum[j] = total[2 + 2 * j];
        squares[j] = total[3 + 2 * j];
      }
      FeatureScale expected = FeatureScale.fromSums(total[0], sum, squares);
      assertArrayEquals(Rows.bits(expected.inverseStd()), Rows.bits(data.featureScale().inverseStd()));
      IndexRangePartitioner ranges = new IndexRangePartitioner(n, 3);
      List<PartitionRows> packed = data.rdd().collect();
      for (int p = 0; p < 3; p++) {
        List<InstanceBlock> want = new ArrayList<>();
        InstanceBlock.blockify(rows.subList((int) ranges.startOf(p), (int) ranges.startOf(p + 1)).stream()
            .map(expected::apply).iterator(), d, InstanceBlock.DEFAULT_MAX_BYTES).forEachRemaining(want::add);
        List<InstanceBlock> got = new ArrayList<>();
        packed.get(p).blocks().forEach(got::add);
        assertEquals(want.size(), got.size(), "blocks of partition " + p);
        for (int b = 0; b < want.size(); b++) {
          assertSameBlock(want.get(b), got.get(b), "partition " + p + " block " + b);
        }
      }
    }
  }

  private static void assertSameBlock(InstanceBlock expected, InstanceBlock actual, String where) {
    assertEquals(expected.isSparse(), actual.isSparse(), "layout of " + where);
    assertEquals(expected.numRows(), actual.numRows(), "rows of " + where);
    assertEquals(expected.hasUnitWeights(), actual.hasUnitWeights(), "unit weights of " + where);
    assertEquals(Double.doubleToRawLongBits(expected.weightSum()), Double.doubleToRawLongBits(actual.weightSum()),
        "weight sum of " + where);
    for (int i = 0; i < expected.numRows(); i++) {
      Rows.assertSameRow(expected.row(i), actual.row(i), where + " row " + i);
    }
  }
}
