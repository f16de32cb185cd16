package io.meshgrad.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.Datasets;
import io.meshgrad.SparkTestSession;
import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.PartitionRows;
import io.meshgrad.data.PartitionSums;
import io.meshgrad.data.SplitMix64;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.loss.GradientSum;
import io.meshgrad.loss.Instance;
import io.meshgrad.loss.InstanceBlock;
import io.meshgrad.loss.MultinomialLogisticLoss;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.model.BlockModel;
import io.meshgrad.model.Initializers;
import io.meshgrad.model.LinearModel;
import io.meshgrad.model.VariableSpec;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.tensor.DType;
import io.meshgrad.train.MeshTrainer;
import io.meshgrad.train.TrainingResult;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@link MeshTrainer#fit(SparkSession, TrainingData, BlockModel, io.meshgrad.optimizer.Optimizer,
 * MeshTrainer.Settings, MeshTrainer.Controls, StepListener)} and {@link ModelLoss}: a linear model
 * through the block-model path equals the linear path bit for bit, on the driver and sharded, and
 * partitions ship only the touched rows of feature-indexed gradients.
 */
class BlockModelFitTest {
  private static final BlockLoss LOSS = new BinaryLogisticLoss();

  @AfterAll
  static void noCachedRddLeft() {
    SparkSession spark = SparkTestSession.get();
    assertEquals(0, spark.sparkContext().getPersistentRDDs().size(),
        "training left cached RDDs: " + spark.sparkContext().getPersistentRDDs());
  }

  private static MeshTrainer.Settings settings(Mesh mesh, DType dtype, int batchSize) {
    return new MeshTrainer.Settings(mesh, dtype, 6, 0, batchSize, 7L, true, 0.01, 0.0, 2, 10);
  }

  private static TrainingResult fit(String mesh, DType dtype, int batchSize, boolean asBlockModel) {
    SparkSession spark = SparkTestSession.get();
    Mesh m = Mesh.parse(mesh);
    try (TrainingData data = TrainingData.from(Datasets.a9a(spark, "a9a"), "features", "label", null,
        m.batchSize(), LOSS::validateLabel)) {
      Adagrad opt = Adagrad.builder().learningRate(0.5).build();
      MeshTrainer.Settings s = settings(m, dtype, batchSize);
      return asBlockModel
          ? MeshTrainer.fit(spark, data, new LinearModel(LOSS, data.numFeatures(), true), opt, s,
              MeshTrainer.Controls.none(), null)
          : MeshTrainer.fit(spark, data, LOSS, opt, s, null);
    }
  }

  @Test
  void linearModelThroughTheBlockModelPathEqualsTheLinearPathBitForBit() {
    for (DType dtype : DType.values()) {
      for (int batchSize : new int[] {0, 512}) {
        TrainingResult linear = fit("batch=2", dtype, batchSize, false);
        TrainingResult block = fit("batch=2", dtype, batchSize, true);
        assertEquals(linear.weights(), block.weights(), dtype + " batch " + batchSize);
        assertArrayEquals(linear.lossHistory(), block.lossHistory(), 0.0);
      }
    }
  }

  @Test
  void shardedBlockModelFitEqualsTheDriverHeldOne() {
    TrainingResult driverHeld = fit("batch=2", DType.FLOAT64, 512, true);
    TrainingResult sharded = fit("batch=2,model=2", DType.FLOAT64, 512, true);
    assertEquals(driverHeld.weights(), sharded.weights());
    assertArrayEquals(driverHeld.lossHistory(), sharded.lossHistory(), 0.0);
  }

  @Test
  void sparseRowsShipOnlyTheTouchedRowsOfFeatureIndexedGradients() {
    int d = 1000;
    List<Instance> rows = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      rows.add(new Instance(i % 2, 1.0, Vectors.sparse(d, new int[] {i, 500 + i}, new double[] {1.0, -2.0})));
    }
    List<InstanceBlock> blocks = new ArrayList<>();
    InstanceBlock.blockify(rows.iterator(), d, InstanceBlock.DEFAULT_MAX_BYTES).forEachRemaining(blocks::add);
    PartitionRows partition = new PartitionRows(0, d, blocks);
    BatchPlan plan = BatchPlan.fullBatch(new long[] {rows.size()});
    double[] coef = new double[d];
    coef[3] = 0.25;
    double[] intercept = {0.1};
    PartialSums sums = ModelLoss.partitionSums(new LinearModel(LOSS, d, true), partition, plan, 0,
        new double[][] {coef, intercept});

    GradientSum expected = PartitionSums.gradientSum(partition, LOSS, plan, 0, coef, intercept, true);
    assertFalse(sums.gradient(0).isDense(), "coefficients ship as rows");
    assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 500, 501, 502, 503, 504, 505, 506, 507},
        sums.gradient(0).rows());
    assertArrayEquals(expected.coefGrad(), sums.gradient(0).toDense(), 0.0);
    assertTrue(sums.gradient(1).isDense(), "the intercept is not feature-indexed");
    assertArrayEquals(expected.interceptGrad(), sums.gradient(1).toDense(), 0.0);
    assertEquals(expected.lossSum(), sums.lossSum(), 0.0);
    assertEquals(8, sums.count());

    // the per-thread buffer went back all zero: a second partition's sums are not polluted
    PartialSums again = ModelLoss.partitionSums(new LinearModel(LOSS, d, true), partition, plan, 0,
        new double[][] {coef, intercept});
    assertArrayEquals(sums.gradient(0).toDense(), again.gradient(0).toDense(), 0.0);
  }

  @Test
  void multiOutputModelsUseRowsOfTheirOutputs() {
    int d = 300;
    BlockLoss softmax = new MultinomialLogisticLoss(3);
    List<Instance> rows = List.of(new Instance(2, 1.0, Vectors.sparse(d, new int[] {7}, new double[] {1.0})));
    List<InstanceBlock> blocks = new ArrayList<>();
    InstanceBlock.blockify(rows.iterator(), d, InstanceBlock.DEFAULT_MAX_BYTES).forEachRemaining(blocks::add);
    PartialSums sums = ModelLoss.partitionSums(new LinearModel(softmax, d, false), new PartitionRows(0, d, blocks),
        BatchPlan.fullBatch(new long[] {1}), 0, new double[][] {new double[d * 3]});
    assertArrayEquals(new int[] {7}, sums.gradient(0).rows());
    assertEquals(3, sums.gradient(0).rowLength());
  }

  @Test
  void aLayoutThatDoesNotFitTheMeshNamesItsVariable() {
    BlockModel model = new WithSpecs(new LinearModel(LOSS, 123, false),
        new VariableSpec("kernel", new int[] {123}, Initializers.zeros(), true, true, List.of("rows")));
    SparkSession spark = SparkTestSession.get();
    Mesh m = Mesh.parse("batch=2,model=2");
    try (TrainingData data = TrainingData.from(Datasets.a9a(spark, "a9a.t"), "features", "label", null,
        m.batchSize(), LOSS::validateLabel)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MeshTrainer.fit(spark, data,
          model, Adagrad.builder().build(), settings(m, DType.FLOAT32, 0), MeshTrainer.Controls.none(), null));
      assertTrue(e.getMessage().contains("variable 'kernel'") && e.getMessage().contains("rows"), e.getMessage());
    }
  }

  @Test
  void initialValuesComeFromTheInitializersAndTheSeed() {
    BlockModel model = new WithSpecs(new LinearModel(LOSS, 123, false),
        new VariableSpec("coefficients", new int[] {123}, Initializers.normal(0.01), true, true, null));
    SparkSession spark = SparkTestSession.get();
    Mesh m = Mesh.parse("batch=2");
    try (TrainingData data = TrainingData.from(Datasets.a9a(spark, "a9a.t"), "features", "label", null,
        m.batchSize(), LOSS::validateLabel)) {
      MeshTrainer.Settings zeroSteps = new MeshTrainer.Settings(m, DType.FLOAT64, 0, 0, 0, 7L, false, 0, 0, 2, 10);
      TrainingResult r = MeshTrainer.fit(spark, data, model, Adagrad.builder().build(), zeroSteps,
          MeshTrainer.Controls.none(), null);
      double[] expected = Initializers.normal(0.01).values(new int[] {123}, SplitMix64.mix64(7L));
      assertArrayEquals(expected, r.weights().get(0).toDoubleArray(), 0.0);
      assertNull(r.intercept());
    }
  }

  /** A model with other variable specs (same shapes) around another's arithmetic. */
  private record WithSpecs(BlockModel inner, VariableSpec spec) implements BlockModel {
    @Override
    public List<VariableSpec> variables() {
      return List.of(spec);
    }

    @Override
    public int numFeatures() {
      return inner.numFeatures();
    }

    @Override
    public int numOutputs() {
      return inner.numOutputs();
    }

    @Override
    public void validateLabel(double label) {
      inner.validateLabel(label);
    }

    @Override
    public double accumulate(InstanceBlock block, double[][] weights, double[][] gradients) {
      return inner.accumulate(block, weights, gradients);
    }

    @Override
    public double[] outputs(Vector features, double[][] weights) {
      return inner.outputs(features, weights);
    }
  }
}
