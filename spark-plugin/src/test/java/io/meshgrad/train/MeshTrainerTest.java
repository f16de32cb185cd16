package io.meshgrad.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.Datasets;
import io.meshgrad.SparkTestSession;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.tensor.DType;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Full-batch logistic regression on the bundled a9a, on meshes with and without a model dimension. */
class MeshTrainerTest {
  private static final BlockLoss LOSS = new BinaryLogisticLoss();
  private static SparkSession spark;
  private static List<Row> test;

  @BeforeAll
  static void load() {
    spark = SparkTestSession.get();
    test = Datasets.a9a(spark, "a9a.t").collectAsList();
  }

  @AfterAll
  static void noCachedRddLeft() {
    assertEquals(0, spark.sparkContext().getPersistentRDDs().size(),
        "training left cached RDDs: " + spark.sparkContext().getPersistentRDDs());
  }

  static TrainingResult fitA9a(String mesh, DType dtype, int steps) {
    Mesh m = Mesh.parse(mesh);
    try (TrainingData data = TrainingData.from(Datasets.a9a(spark, "a9a"), "features", "label", null,
        m.batchSize(), LOSS::validateLabel)) {
      MeshTrainer.Settings s = new MeshTrainer.Settings(m, dtype, steps, 0, 0, 0L, true, 0.0, 0.0, 2, 10);
      return MeshTrainer.fit(spark, data, LOSS, Adagrad.builder().learningRate(0.5).build(), s, null);
    }
  }

  static double accuracy(TrainingResult r) {
    double[] coef = r.coefficients().toDoubleArray();
    double[] intercept = r.intercept().toDoubleArray();
    int correct = 0;
    for (Row row : test) {
      double margin = LOSS.margins((Vector) row.getAs("features"), coef, intercept)[0];
      correct += (margin > 0 ? 1.0 : 0.0) == row.getDouble(row.fieldIndex("label")) ? 1 : 0;
    }
    return (double) correct / test.size();
  }

  @Test
  void meshes1x1And2x2And4x2GiveTheSameWeightsAndReachTheAccuracyAnchor() {
    TrainingResult single = fitA9a("batch=1", DType.FLOAT64, 50);
    TrainingResult square = fitA9a("batch=2,model=2", DType.FLOAT64, 50);
    TrainingResult wide = fitA9a("batch=4,model=2", DType.FLOAT64, 50);
    for (TrainingResult other : List.of(square, wide)) {
      double[] a = single.coefficients().toDoubleArray();
      double[] b = other.coefficients().toDoubleArray();
      for (int i = 0; i < a.length; i++) {
        assertEquals(a[i], b[i], 1e-9 * Math.max(1, Math.abs(a[i])), "coefficient " + i);
      }
      assertEquals(single.intercept().get(0), other.intercept().get(0), 1e-9);
      assertEquals(single.lossHistory()[49], other.lossHistory()[49], 1e-9);
    }
    double acc = accuracy(wide);
    assertTrue(acc >= 0.84, "a9a test accuracy " + acc);
    assertTrue(single.lossHistory()[49] < single.lossHistory()[0], "the loss must go down");
    assertEquals(Math.log(2), single.lossHistory()[0], 1e-12, "the first loss is at zero weights");
  }

  @Test
  void theSameRunTwiceIsBitIdentical() {
    TrainingResult a = fitA9a("batch=2,model=2", DType.FLOAT32, 15);
    TrainingResult b = fitA9a("batch=2,model=2", DType.FLOAT32, 15);
    assertEquals(a.coefficients(), b.coefficients());
    assertEquals(a.intercept(), b.intercept());
    assertArrayEquals(a.lossHistory(), b.lossHistory());
  }
}
