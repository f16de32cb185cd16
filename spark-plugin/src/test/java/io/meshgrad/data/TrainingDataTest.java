package io.meshgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.LocalSpark;
import io.meshgrad.Rows;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.Instance;
import io.meshgrad.loss.InstanceBlock;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF0;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TrainingDataTest {
  private static final int D = 5;
  private static final LabelValidator ANY = LabelValidator.any();

  private static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = LocalSpark.start("TrainingDataTest");
  }

  @AfterAll
  static void stopSpark() {
    LocalSpark.stop(spark);
  }

  private static Dataset<Row> frame(List<Instance> rows, int inputPartitions) {
    return LocalSpark.frame(spark, rows, inputPartitions);
  }

  private static TrainingData from(Dataset<Row> df, int numPartitions) {
    return TrainingData.from(df, "features", "label", "w", numPartitions, ANY);
  }

  /** All rows of the cached partitions, partition by partition, checking each index. */
  private static List<List<Instance>> partitions(TrainingData data) {
    List<PartitionRows> collected = data.rdd().collect();
    List<List<Instance>> out = new ArrayList<>();
    for (int p = 0; p < collected.size(); p++) {
      PartitionRows rows = collected.get(p);
      assertEquals(p, rows.partition());
      List<Instance> list = new ArrayList<>();
      for (InstanceBlock block : rows.blocks()) {
        for (int i = 0; i < block.numRows(); i++) {
          list.add(block.row(i));
        }
      }
      assertEquals(rows.numRows(), list.size());
      out.add(list);
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 23})
  void partitionsHoldBalancedContiguousRangesInInputOrder(int numPartitions) {
    List<Instance> rows = Rows.random(1, 23, D, false, true);
    try (TrainingData data = from(frame(rows, 3), numPartitions)) {
      assertEquals(23, data.numRows());
      assertEquals(D, data.numFeatures());
      assertEquals(numPartitions, data.numPartitions());
      assertEquals(numPartitions, data.rdd().getNumPartitions());
      long[] expectedSizes = new long[numPartitions];
      for (int p = 0; p < numPartitions; p++) {
        expectedSizes[p] = 23 / numPartitions + (p < 23 % numPartitions ? 1 : 0);
      }
      assertArrayEquals(expectedSizes, data.rowsPerPartition());
      double weight = rows.stream().mapToDouble(Instance::weight).sum();
      assertEquals(weight, data.totalWeight(), 1e-12 * weight);
      assertEquals(
          "meshgrad training data (23 rows, " + numPartitions + " partitions)",
          data.rdd().name());
      assertEquals(StorageLevel.MEMORY_AND_DISK(), data.rdd().getStorageLevel());

      List<Instance> concatenated = new ArrayList<>();
      List<List<Instance>> parts = partitions(data);
      for (int p = 0; p < numPartitions; p++) {
        assertEquals(expectedSizes[p], parts.get(p).size(), "rows of partition " + p);
        concatenated.addAll(parts.get(p));
      }
      assertEquals(rows.size(), concatenated.size());
      for (int i = 0; i < rows.size(); i++) {
        Rows.assertSameRow(rows.get(i), concatenated.get(i), "row " + i);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void theSameInputTwiceGivesIdenticalPartitions(boolean sparse) {
    List<Instance> rows = Rows.random(2, 300, 20, sparse, true);
    Dataset<Row> df = frame(rows, 7);
    try (TrainingData first = TrainingData.from(df, "features", "label", "w", 3, ANY, 4000);
        TrainingData second =
            TrainingData.from(frame(rows, 7), "features", "label", "w", 3, ANY, 4000)) {
      List<PartitionRows> a = first.rdd().collect();
      List<PartitionRows> b = second.rdd().collect();
      assertEquals(3, a.size());
      for (int p = 0; p < 3; p++) {
        assertTrue(a.get(p).numBlocks() > 1, "expected several blocks per partition");
        assertEquals(a.get(p).numBlocks(), b.get(p).numBlocks());
        List<InstanceBlock> blocksA = new ArrayList<>();
        a.get(p).blocks().forEach(blocksA::add);
        List<InstanceBlock> blocksB = new ArrayList<>();
        b.get(p).blocks().forEach(blocksB::add);
        for (int k = 0; k < blocksA.size(); k++) {
          InstanceBlock x = blocksA.get(k);
          InstanceBlock y = blocksB.get(k);
          assertEquals(sparse, x.isSparse());
          assertEquals(x.isSparse(), y.isSparse());
          assertEquals(x.numRows(), y.numRows());
          for (int i = 0; i < x.numRows(); i++) {
            Rows.assertSameRow(x.row(i), y.row(i), "partition " + p + " block " + k + " row " + i);
          }
        }
      }
      assertEquals(first.totalWeight(), second.totalWeight());
    }
  }

  @Test
  void schemaErrorsNameTheColumnAndWhatIsAllowed() {
    Dataset<Row> df = frame(Rows.random(3, 4, D, false, false), 1);
    assertMessage(
        "features column 'x' does not exist; available columns: [features, label, w]",
        () -> TrainingData.from(df, "x", "label", "w", 1, ANY));
    assertMessage(
        "label column 'y' does not exist; available columns: [features, label, w]",
        () -> TrainingData.from(df, "features", "y", null, 1, ANY));
    assertMessage(
        "weight column 'weight' does not exist; available columns: [features, label, w]",
        () -> TrainingData.from(df, "features", "label", "weight", 1, ANY));
    assertMessage(
        "features column 'label' must be of type vector (org.apache.spark.ml.linalg.Vector),"
            + " got double",
        () -> TrainingData.from(df, "label", "label", null, 1, ANY));
    Dataset<Row> strings = df.withColumn("s", df.col("label").cast(DataTypes.StringType));
    assertMessage(
        "label column 's' must be numeric (byte, short, int, long, float, double or decimal),"
            + " got string",
        () -> TrainingData.from(strings, "features", "s", null, 1, ANY));
    assertMessage(
        "weight column 'features' must be numeric (byte, short, int, long, float, double or"
            + " decimal), got vector",
        () -> TrainingData.from(strings, "features", "label", "features", 1, ANY));
  }

  @Test
  void badRowsAreReportedWithRowColumnAndValue() {
    assertRowError(
        withRow(4, RowFactory.create(new DenseVector(new double[] {1, Double.NaN, 0, 0, 0}), 1.0,
            1.0)),
        "training row 4 (input partition 1, position 0): column 'features' must hold finite"
            + " values, got NaN at index 1");
    assertRowError(
        withRow(7, RowFactory.create(new DenseVector(new double[] {1, 2}), 1.0, 1.0)),
        "training row 7 (input partition 1, position 3): column 'features' must hold a vector"
            + " of size 5 (the size in row 0), got size 2");
    assertRowError(
        withRow(2, RowFactory.create(Rows.sparse(D, new int[] {3}, new double[] {
            Double.POSITIVE_INFINITY}), 1.0, 1.0)),
        "training row 2 (input partition 0, position 2): column 'features' must hold finite"
            + " values, got Infinity at index 3");
    assertRowError(
        withRow(5, RowFactory.create(new DenseVector(new double[D]), null, 1.0)),
        "training row 5 (input partition 1, position 1): column 'label' must hold a finite"
            + " number, got null");
    assertRowError(
        withRow(6, RowFactory.create(new DenseVector(new double[D]), Double.NaN, 1.0)),
        "training row 6 (input partition 1, position 2): column 'label' must hold a finite"
            + " number, got NaN");
    assertRowError(
        withRow(3, RowFactory.create(new DenseVector(new double[D]), 1.0, -1.0)),
        "training row 3 (input partition 0, position 3): column 'w' must hold a finite number"
            + " >= 0, got -1.0");
    assertRowError(
        withRow(1, RowFactory.create(new DenseVector(new double[D]), 1.0, null)),
        "training row 1 (input partition 0, position 1): column 'w' must hold a finite number"
            + " >= 0, got null");
    assertRowError(
        withRow(5, RowFactory.create(null, 1.0, 1.0)),
        "training row 5 (input partition 1, position 1): column 'features' must hold a vector"
            + " of size 5, got null");
    assertRowError(
        withRow(0, RowFactory.create(null, 1.0, 1.0)),
        "training row 0 (input partition 0, position 0): column 'features' must hold a vector"
            + " (its size sets the number of features), got null");
  }

  @Test
  void labelsAreCheckedByTheValidator() {
    BinaryLogisticLoss loss = new BinaryLogisticLoss();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      rows.add(RowFactory.create(new DenseVector(new double[D]), i == 6 ? 2.0 : i % 2, 1.0));
    }
    Dataset<Row> df = frameOf(rows);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TrainingData.from(df, "features", "label", "w", 2, loss::validateLabel));
    assertTrue(
        e.getMessage().startsWith(
            "training row 6 (input partition 1, position 2): column 'label': "),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("got 2.0"), e.getMessage());
    try (TrainingData valid =
        TrainingData.from(frameOf(rows.subList(0, 6)), "features", "label", "w", 2,
            loss::validateLabel)) {
      assertEquals(6, valid.numRows());
    }
    assertNoLeakedCache();
  }

  @Test
  void emptyDataAndTooManyPartitionsAreRejected() {
    Dataset<Row> empty = LocalSpark.frameOfRows(spark, List.of(), 2);
    assertMessage(
        "the training data is empty: expected at least 1 row, got 0", () -> from(empty, 1));
    Dataset<Row> three = frame(Rows.random(4, 3, D, false, false), 2);
    assertMessage(
        "numPartitions (the mesh's batch dimension) must be <= the number of rows, got 4"
            + " partitions for 3 rows: the batch dimension is larger than the data",
        () -> from(three, 4));
    assertMessage("numPartitions must be >= 1, got 0", () -> from(three, 0));
    assertNoLeakedCache();
  }

  @Test
  void zeroTotalWeightIsRejected() {
    List<Instance> rows = new ArrayList<>();
    for (Instance row : Rows.random(5, 4, D, false, false)) {
      rows.add(new Instance(row.label(), 0.0, row.features()));
    }
    assertMessage(
        "the training data has zero total weight: weight column 'w' must be > 0 in at least one"
            + " of the 4 rows, got all 0",
        () -> from(frame(rows, 2), 2));
    assertNoLeakedCache();
  }

  @Test
  void otherNumericTypesDottedNamesAndNoWeightColumnWork() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      rows.add(RowFactory.create(new DenseVector(new double[] {i, 1}), i % 2, (long) i));
    }
    StructType schema =
        new StructType()
            .add("x.v", SQLDataTypes.VectorType())
            .add("y", DataTypes.IntegerType)
            .add("n", DataTypes.LongType);
    Dataset<Row> df = spark.createDataFrame(rows, schema);
    try (TrainingData unweighted = TrainingData.from(df, "x.v", "y", null, 2, ANY);
        TrainingData weighted = TrainingData.from(df, "x.v", "y", "n", 2, ANY)) {
      assertEquals(6.0, unweighted.totalWeight());
      assertEquals(15.0, weighted.totalWeight());
      assertEquals(2, unweighted.numFeatures());
      Instance last = partitions(weighted).get(1).get(2);
      assertEquals(1.0, last.label());
      assertEquals(5.0, last.weight());
      assertArrayEquals(new double[] {5, 1}, last.features().toArray());
    }
  }

  @Test
  void inputThatChangesBetweenReadsIsDetected() {
    Dataset<Row> df = frame(Rows.random(8, 2000, 2, false, false), 4);
    UserDefinedFunction coin =
        functions.udf((UDF0<Boolean>) () -> Math.random() < 0.5, DataTypes.BooleanType)
            .asNondeterministic();
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> from(df.filter(coin.apply()), 2));
    assertTrue(
        e.getMessage().contains("the input Dataset is not deterministic; cache or checkpoint it"),
        e.getMessage());
    assertNoLeakedCache();
  }

  @Test
  void closeUnpersistsAndDisablesTheData() {
    TrainingData data = from(frame(Rows.random(6, 10, D, true, false), 2), 2);
    int id = data.rdd().id();
    assertTrue(spark.sparkContext().getPersistentRDDs().contains(id));
    data.close();
    assertFalse(spark.sparkContext().getPersistentRDDs().contains(id));
    assertTrue(data.isClosed());
    assertThrows(IllegalStateException.class, data::rdd);
    assertThrows(IllegalStateException.class, data::rowsPerPartition);
    data.close();
  }

  private static List<Row> withRow(int index, Row bad) {
    List<Row> rows = new ArrayList<>();
    for (Instance row : Rows.random(7, 8, D, false, true)) {
      rows.add(RowFactory.create(row.features(), row.label(), row.weight()));
    }
    rows.set(index, bad);
    return rows;
  }

  private static Dataset<Row> frameOf(List<Row> rows) {
    return LocalSpark.frameOfRows(spark, rows, 2);
  }

  private void assertRowError(List<Row> rows, String expected) {
    for (int numPartitions : new int[] {1, 3}) {
      assertMessage(expected, () -> from(frameOf(rows), numPartitions));
    }
    assertNoLeakedCache();
  }

  private static void assertNoLeakedCache() {
    assertTrue(
        spark.sparkContext().getPersistentRDDs().isEmpty(),
        "cached RDDs left behind: " + spark.sparkContext().getPersistentRDDs());
  }

  private static void assertMessage(String expected, Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertEquals(expected, e.getMessage());
  }
}
