package io.meshgrad.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.LogCapture;
import io.meshgrad.SparkTestSession;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.loss.HingeLoss;
import io.meshgrad.loss.LeastSquaresLoss;
import io.meshgrad.loss.MultinomialLogisticLoss;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.metrics.TrainingMetrics;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.tensor.DType;
import io.meshgrad.train.MeshTrainer;
import io.meshgrad.train.TrainingResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Linear fits (the {@code MeshTrainer.fit(..., blockLoss, ...)} path and the {@link
 * MeshAdagradClassifier} stage built on it) take the row-sparse pull for sharded coefficients of
 * at least 2^16 rows: the first step sends the data partitions only the rows their batch touches
 * (never the whole coefficients), and the weights equal the driver-held fit's bit for bit, for
 * every built-in loss (multinomial {@code [d, K]} coefficients included) and both dtypes; with an
 * L1 term the coefficients keep the shipping path.
 */
class LinearRowPullTest {
  private static final int D = 1 << 16;
  private static final int ROWS = 600;
  private static final int STEPS = 5;

  @AfterAll
  static void noCachedRddLeft() {
    SparkSession spark = SparkTestSession.get();
    assertEquals(0, spark.sparkContext().getPersistentRDDs().size(),
        "training left cached RDDs: " + spark.sparkContext().getPersistentRDDs());
  }

  /** ROWS rows of 6 distinct features spread over all of [0, D), labels in [0, classes). */
  private static Dataset<Row> sparseRows(int classes) {
    Random r = new Random(11);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      TreeSet<Integer> cols = new TreeSet<>();
      while (cols.size() < 6) {
        cols.add(r.nextInt(D));
      }
      int[] idx = cols.stream().mapToInt(Integer::intValue).toArray();
      double[] vals = new double[idx.length];
      for (int k = 0; k < vals.length; k++) {
        vals[k] = k == 0 ? 1.0 : r.nextGaussian();
      }
      rows.add(RowFactory.create(Vectors.sparse(D, idx, vals), (double) r.nextInt(classes)));
    }
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType())
        .add("label", DataTypes.DoubleType);
    return SparkTestSession.get().createDataFrame(rows, schema).repartition(2);
  }

  /** A fit's weights and the bytes its first step sent to the data partitions. */
  private record Fit(TrainingResult result, long firstStepBytesSent) {}

  private static Fit fit(Dataset<Row> df, BlockLoss loss, String mesh, DType dtype, double regParam) {
    SparkSession spark = SparkTestSession.get();
    Mesh m = Mesh.parse(mesh);
    long[] firstStepBytes = {-1};
    try (TrainingData data = TrainingData.from(df, "features", "label", null, m.batchSize(), loss::validateLabel)) {
      MeshTrainer.Settings s = new MeshTrainer.Settings(m, dtype, STEPS, 0, 40, 3L, true, regParam, 0.0, 2, 10);
      TrainingResult result = MeshTrainer.fit(spark, data, loss, Adagrad.builder().learningRate(0.5).build(), s,
          (step, total, epoch, value) -> {
            if (step == 1) {
              firstStepBytes[0] = TrainingMetrics.lastStep().bytesBroadcast();
            }
          });
      return new Fit(result, firstStepBytes[0]);
    }
  }

  @Test
  void shardedLinearFitsPullRowsAndEqualTheDriverHeldFitBitForBit() {
    Dataset<Row> binary = sparseRows(2);
    Dataset<Row> threeClasses = sparseRows(3);
    record Case(BlockLoss loss, Dataset<Row> rows, DType dtype, double regParam) {}
    List<Case> cases = List.of(
        new Case(new BinaryLogisticLoss(), binary, DType.FLOAT32, 0.0),
        new Case(new BinaryLogisticLoss(), binary, DType.FLOAT64, 0.01),
        new Case(new MultinomialLogisticLoss(3), threeClasses, DType.FLOAT32, 0.01),
        new Case(new LeastSquaresLoss(), binary, DType.FLOAT64, 0.0),
        new Case(new HingeLoss(), binary, DType.FLOAT32, 0.01));
    for (Case c : cases) {
      String what = c.loss() + " " + c.dtype() + " regParam " + c.regParam();
      long coefficientBytes = (long) D * c.loss().numOutputs() * (c.dtype() == DType.FLOAT32 ? 4 : 8);
      Fit driverHeld = fit(c.rows(), c.loss(), "batch=2", c.dtype(), c.regParam());
      Fit sharded;
      try (LogCapture log = LogCapture.start(MeshTrainer.class.getName(), Level.INFO)) {
        sharded = fit(c.rows(), c.loss(), "batch=2,model=2", c.dtype(), c.regParam());
        List<LogEvent> paths = log.events(Level.INFO, MeshTrainer.class.getName()).stream()
            .filter(e -> e.getMessage().getFormattedMessage().startsWith("sharded variables")).toList();
        assertEquals(1, paths.size(), what + ": one line saying which path each variable took\n" + log.describe());
        String line = paths.get(0).getMessage().getFormattedMessage();
        assertTrue(line.contains("coefficients [" + D) && line.contains("row-sparse pull, no driver copy")
            && line.contains("intercept [" + c.loss().numOutputs() + "]: shipped from the driver's copy"), line);
      }
      assertTrue(driverHeld.firstStepBytesSent() >= coefficientBytes,
          what + ": the driver-held first step ships the whole coefficients, got " + driverHeld.firstStepBytesSent());
      assertTrue(sharded.firstStepBytesSent() > 0 && sharded.firstStepBytesSent() < coefficientBytes / 8,
          what + ": the sharded first step sends only the touched rows (" + coefficientBytes
              + " bytes of coefficients), got " + sharded.firstStepBytesSent());
      assertEquals(driverHeld.result().weights(), sharded.result().weights(), what);
      assertArrayEquals(driverHeld.result().lossHistory(), sharded.result().lossHistory(),
          c.regParam() == 0 ? 0.0 : 1e-12, what + " (with L2 the pulled shards sum their squares apart)");
    }
  }

  @Test
  void theClassifierStageOnAModelDimensionPullsRowsAndEqualsTheDriverHeldModel() {
    Dataset<Row> binary = sparseRows(2);
    MeshAdagradClassifier clf = new MeshAdagradClassifier().setLearningRate(0.5).setMaxIter(STEPS).setBatchSize(40)
        .setSeed(3L).setRegParam(0.01);
    MeshAdagradClassificationModel driverHeld = clf.copy(new org.apache.spark.ml.param.ParamMap())
        .setMesh("batch=2").fit(binary);
    MeshAdagradClassificationModel sharded;
    long firstStepBytes;
    try (LogCapture log = LogCapture.start(MeshTrainer.class.getName(), Level.INFO)) {
      sharded = clf.setMesh("batch=2,model=2").setMaxIter(1).fit(binary);
      firstStepBytes = TrainingMetrics.lastStep().bytesBroadcast();
      assertTrue(log.describe().contains("coefficients [" + D + "]: row-sparse pull, no driver copy"),
          log.describe());
    }
    assertTrue(firstStepBytes > 0 && firstStepBytes < D, "one step sent " + firstStepBytes
        + " bytes to the data partitions: the touched rows, not the " + 4 * D + " bytes of coefficients");
    sharded = clf.setMaxIter(STEPS).fit(binary);
    assertArrayEquals(driverHeld.coefficients().toArray(), sharded.coefficients().toArray(), 0.0);
    assertEquals(driverHeld.intercept(), sharded.intercept(), 0.0);
    assertArrayEquals(driverHeld.summary().lossHistory(), sharded.summary().lossHistory(), 1e-12);
  }

  /** The L1 term's value needs every weight: with elasticNetParam > 0 the coefficients keep the shipping path. */
  @Test
  void withAnL1TermTheCoefficientsAreShippedFromTheDriver() {
    MeshAdagradClassifier clf = new MeshAdagradClassifier().setLearningRate(0.5).setMaxIter(2).setBatchSize(40)
        .setSeed(3L).setRegParam(0.01).setElasticNetParam(0.5).setMesh("batch=2,model=2");
    try (LogCapture log = LogCapture.start(MeshTrainer.class.getName(), Level.INFO)) {
      clf.fit(sparseRows(2));
      assertTrue(log.describe().contains("coefficients [" + D + "]: shipped from the driver's copy"), log.describe());
    }
  }
}
