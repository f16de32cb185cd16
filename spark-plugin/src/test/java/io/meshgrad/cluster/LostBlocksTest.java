package io.meshgrad.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.Datasets;
import io.meshgrad.SparkTestSession;
import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.DVariable;
import io.meshgrad.runtime.MeshRuntime;
import io.meshgrad.runtime.ModelLoss;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import io.meshgrad.testing.StandaloneCluster;
import io.meshgrad.train.MeshTrainer;
import io.meshgrad.train.TrainingResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cached blocks lost in the middle of a sharded run (local mode): the state shards, and the
 * training data too, are recomputed from lineage and the run goes on bit-identically. Losses are
 * injected right after a lineage truncation (checkpoint) step and between truncations.
 */
class LostBlocksTest {
  private static final BlockLoss LOSS = new BinaryLogisticLoss();
  private static final Mesh MESH = Mesh.parse("batch=2,model=2");
  private static final int STEPS = 12;
  private static final int INTERVAL = 5;
  /** After these steps: 3 (between truncations), 5 (the truncation step itself), 8. */
  private static final Set<Integer> LOSE_AFTER = Set.of(3, 5, 8);

  private static SparkSession spark;
  private static TrainingData data;
  private static Path checkpointDir;

  @BeforeAll
  static void createCheckpointDir() throws Exception {
    checkpointDir = Files.createTempDirectory("meshgrad-lost-blocks-");
  }

  @AfterAll
  static void deleteCheckpointDir() {
    StandaloneCluster.deleteRecursively(checkpointDir);
  }

  /** Each test starts without a checkpoint directory (one cannot be unset: a test that sets one stops the session). */
  @BeforeEach
  void load() {
    spark = SparkTestSession.get();
    if (spark.sparkContext().getCheckpointDir().isDefined()) {
      SparkTestSession.stop();
      spark = SparkTestSession.get();
    }
    data = TrainingData.from(Datasets.a9a(spark, "a9a"), "features", "label", null, MESH.batchSize(),
        LOSS::validateLabel);
  }

  @AfterEach
  void release() {
    try {
      assertEquals(Set.of(data.rdd().id()), cachedRddIds(), "cached RDDs after the runs, besides the training data");
    } finally {
      data.close();
      if (spark.sparkContext().getCheckpointDir().isDefined()) {
        SparkTestSession.stop();
      }
    }
  }

  private static Set<Integer> cachedRddIds() {
    Set<Integer> ids = new java.util.TreeSet<>();
    spark.sparkContext().getPersistentRDDs().keySet().foreach(i -> ids.add((Integer) i));
    return ids;
  }

  /** What one run leaves: the model variables and the optimizer's slots, and the loss of every step. */
  private record Run(List<Tensor> state, double[] losses) {}

  /** {@code loseBlocks} runs after each step of {@code LOSE_AFTER}, given the runtime. */
  private static Run runtimeLoop(java.util.function.Consumer<MeshRuntime> loseBlocks) {
    BatchPlan plan = BatchPlan.miniBatch(data.rowsPerPartition(), 3000, 17);
    try (MeshRuntime rt = MeshRuntime.create(spark, MESH).setCheckpointInterval(INTERVAL);
        ModelLoss loss = ModelLoss.linear(data, LOSS, plan, true, 1e-4)) {
      Adagrad opt = Adagrad.builder().learningRate(0.2).useEma(true).emaMomentum(0.9).clipnorm(0.5).build();
      loss.bindSteps(opt);
      DVariable coef = rt.variable("coefficients", Tensor.zeros(DType.FLOAT32, data.numFeatures()));
      DVariable intercept = rt.variable("intercept", Tensor.zeros(DType.FLOAT32, 1), Layout.replicated(MESH, 1));
      List<Variable> vars = List.of(coef, intercept);
      double[] losses = new double[STEPS];
      for (int i = 0; i < STEPS; i++) {
        losses[i] = opt.minimize(loss, vars);
        if (loseBlocks != null && LOSE_AFTER.contains(i + 1)) {
          loseBlocks.accept(rt);
        }
      }
      List<Tensor> state = new ArrayList<>();
      for (Variable v : vars) {
        state.add(v.read());
        state.add(opt.slot(v, "accumulator").read());
        state.add(opt.slot(v, "average").read());
      }
      return new Run(state, losses);
    }
  }

  /** Removes the blocks of every cached RDD of the context, keeping them marked as cached (test-only internals). */
  private static void dropAllCachedBlocks() {
    List<Integer> ids = new ArrayList<>(cachedRddIds());
    for (int id : ids) {
      SparkEnv.get().blockManager().master().removeRdd(id, true);
    }
    assertTrue(ids.contains(data.rdd().id()), "the training data must be cached: " + ids);
  }

  private static void inBothCheckpointModes(Supplier<Run> reference, Supplier<Run> withLosses) {
    Run expected = reference.get();
    Run actual = withLosses.get();
    assertEquals(expected.state(), actual.state(), "variables and slots (no checkpoint directory)");
    assertArrayEquals(expected.losses(), actual.losses(), "losses (no checkpoint directory)");
    spark.sparkContext().setCheckpointDir(checkpointDir.toString());
    Run reliable = withLosses.get();
    assertEquals(expected.state(), reliable.state(), "variables and slots (reliable checkpoints)");
    assertArrayEquals(expected.losses(), reliable.losses(), "losses (reliable checkpoints)");
  }

  @Test
  void unpersistedStateIsRecomputedBitIdentically() {
    inBothCheckpointModes(() -> runtimeLoop(null), () -> runtimeLoop(rt -> rt.stateRdd().unpersist(true)));
  }

  @Test
  void droppedStateAndDataBlocksAreRecomputedBitIdentically() {
    inBothCheckpointModes(() -> runtimeLoop(null), () -> runtimeLoop(rt -> dropAllCachedBlocks()));
  }

  private static TrainingResult fit(boolean loseBlocks) {
    MeshTrainer.Settings s = new MeshTrainer.Settings(MESH, DType.FLOAT32, STEPS, 0, 3000, 17L, true, 1e-4, 0.0, 2,
        INTERVAL);
    Adagrad opt = Adagrad.builder().learningRate(0.2).useEma(true).emaMomentum(0.9).globalClipnorm(0.5).build();
    return MeshTrainer.fit(spark, data, LOSS, opt, s, (step, total, epoch, loss) -> {
      if (loseBlocks && LOSE_AFTER.contains((int) step)) {
        dropAllCachedBlocks();
      }
    });
  }

  @Test
  void blocksDroppedDuringAFitAreRecomputedBitIdentically() {
    TrainingResult expected = fit(false);
    TrainingResult actual = fit(true);
    assertEquals(expected.coefficients(), actual.coefficients());
    assertEquals(expected.intercept(), actual.intercept());
    assertArrayEquals(expected.lossHistory(), actual.lossHistory());
  }
}
