package io.meshgrad.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshgrad.LocalSpark;
import io.meshgrad.Rows;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.loss.GradientSum;
import io.meshgrad.loss.Instance;
import io.meshgrad.loss.InstanceBlock;
import io.meshgrad.loss.MultinomialLogisticLoss;
import io.meshgrad.runtime.ModelLoss;
import io.meshgrad.runtime.OrderedTreeSum;
import io.meshgrad.runtime.PartialSums;
import io.meshgrad.runtime.ShippedWeights;
import io.meshgrad.runtime.WeightShipper;
import io.meshgrad.tensor.Tensor;
import io.meshgrad.train.MeshTrainer;
import io.meshgrad.train.TrainingResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/** Everything that crosses a shuffle, a broadcast or a task result must survive Kryo too. */
class KryoTrainingDataTest {
  private static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark =
        LocalSpark.start(
            "KryoTrainingDataTest",
            "spark.serializer",
            "org.apache.spark.serializer.KryoSerializer");
  }

  @AfterAll
  static void stopSpark() {
    LocalSpark.stop(spark);
  }

  @Test
  void loadsAndAggregatesUnderKryo() {
    int d = 12;
    List<Instance> rows = Rows.random(21, 120, d, true, true);
    BlockLoss loss = new MultinomialLogisticLoss(3);
    try (TrainingData data =
        TrainingData.from(
            LocalSpark.frame(spark, rows, 3), "features", "label", "w", 5, loss::validateLabel,
            1500)) {
      List<Instance> cached = new ArrayList<>();
      for (PartitionRows partition : data.rdd().collect()) {
        partition.blocks().forEach(b -> {
          for (int i = 0; i < b.numRows(); i++) {
            cached.add(b.row(i));
          }
        });
      }
      for (int i = 0; i < rows.size(); i++) {
        Rows.assertSameRow(rows.get(i), cached.get(i), "row " + i);
      }

      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      Random rnd = new Random(22);
      double[] coef = rnd.doubles(d * 3, -1, 1).toArray();
      double[] intercept = rnd.doubles(3, -1, 1).toArray();
      BatchPlan plan = BatchPlan.miniBatch(data.rowsPerPartition(), 50, 3);
      double[] coefSum = new double[d * 3];
      double weightSum = 0;
      try (ModelLoss objective = ModelLoss.linear(data, loss, plan, true, 0.0);
          WeightShipper shipper = new WeightShipper(jsc)) {
        ShippedWeights weights = shipper.ship(List.of(Tensor.of(coef.clone(), d * 3), Tensor.of(intercept.clone(), 3)));
        for (long step = 0; step < plan.stepsPerEpoch(); step++) {
          PartialSums sums = OrderedTreeSum.sum(
              objective.partialSums(weights, step).mapToPair(p -> new Tuple2<>(p.source(), p)),
              data.numPartitions(), 2, PartialSums::plus);
          weightSum += sums.weightSum();
          for (int i = 0; i < coefSum.length; i++) {
            coefSum[i] += sums.gradient(0).toDense()[i];
          }
        }
      }
      GradientSum expected =
          new GradientSum(d, 3, true).add(loss, InstanceBlock.fromInstances(rows, d), coef,
              intercept);
      assertEquals(expected.weightSum(), weightSum, 1e-9 * weightSum);
      for (int i = 0; i < coefSum.length; i++) {
        assertEquals(expected.coefGrad()[i], coefSum[i], 1e-9 * Math.max(1, Math.abs(coefSum[i])));
      }
    }
  }

  /**
   * A sparse, high-dimensional sharded fit under Kryo: touched-row partials through the shuffle,
   * weight deltas, changed values back, and lineage cuts that restart from driver-held shards;
   * it must give the weights of the same fit held on the driver.
   */
  @Test
  void shardedSparseFitUnderKryoMatchesTheDriverHeldFit() {
    int d = 3000;
    Random rnd = new Random(8);
    List<Instance> rows = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      java.util.TreeSet<Integer> cols = new java.util.TreeSet<>();
      while (cols.size() < 5) {
        cols.add(rnd.nextInt(d));
      }
      double[] values = rnd.doubles(5, -1, 1).toArray();
      rows.add(new Instance(rnd.nextInt(2), 1.0, Rows.sparse(d, cols.stream().mapToInt(Integer::intValue).toArray(),
          values)));
    }
    BlockLoss loss = new io.meshgrad.loss.BinaryLogisticLoss();
    try (TrainingData data = TrainingData.from(LocalSpark.frame(spark, rows, 2), "features", "label", null, 2,
        loss::validateLabel)) {
      TrainingResult[] results = new TrainingResult[2];
      String[] meshes = {"batch=2", "batch=2,model=2"};
      for (int m = 0; m < 2; m++) {
        MeshTrainer.Settings s = new MeshTrainer.Settings(io.meshgrad.mesh.Mesh.parse(meshes[m]),
            io.meshgrad.tensor.DType.FLOAT32, 8, 0, 40, 3L, true, 0.0, 0.0, 2, 3);
        results[m] = MeshTrainer.fit(spark, data, loss, io.meshgrad.optimizer.Adagrad.builder().learningRate(0.5)
            .build(), s, null);
      }
      assertEquals(results[0].coefficients(), results[1].coefficients());
      assertEquals(results[0].intercept(), results[1].intercept());
      org.junit.jupiter.api.Assertions.assertArrayEquals(results[0].lossHistory(), results[1].lossHistory());
    }
  }
}
