package io.meshgrad.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.Datasets;
import io.meshgrad.FlakyAdagrad;
import io.meshgrad.FlakyAdagrad.Failure;
import io.meshgrad.SparkTestSession;
import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.log4j.Level;
import org.apache.log4j.Logger;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * Shard state in copy-on-write chunks: a step that touches few rows copies only their chunks and
 * shares the rest with the state before, never writes to the state it started from, and so gives
 * bit-identical state when a task is retried or a lost partition is recomputed from lineage.
 */
class ChunkedStateTest {
  private static final BlockLoss LOSS = new BinaryLogisticLoss();

  private static Tensor random(DType dtype, long seed, int... shape) {
    Random r = new Random(seed);
    double[] v = new double[Math.toIntExact(Tensor.numElements(shape))];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextGaussian();
    }
    return Tensor.fromDoubles(dtype, v, shape);
  }

  /** Sparse rows {@code rows} (with a repeat, as data partitions' sums never have, but Keras allows). */
  private static IndexedSlices sparse(DType dtype, int[] rows, int... shape) {
    int[] valuesShape = shape.clone();
    valuesShape[0] = rows.length;
    return new IndexedSlices(rows, random(dtype, 7, valuesShape), shape);
  }

  private static final ShardStepStats NO_STATS = new ShardStepStats(0, 0, 0, 0, 0, 0);

  /** The same step on whole tensors, in process: what the shard must end with. */
  private static Tensor[] inProcess(Optimizer opt, Optimizer.VariableStep step, Gradient g, Tensor value, Tensor acc) {
    Tensor v = value.copy();
    Tensor a = acc.copy();
    Map<String, Tensor> slots = Map.of("accumulator", a);
    opt.applyToVariable(step, g, v, slots::get);
    return new Tensor[] {v, a};
  }

  @Test
  void aSparseStepCopiesOnlyTheChunksOfItsRowsAndSharesTheRest() {
    for (DType dtype : DType.values()) {
      for (int[] shape : List.of(new int[] {10_000}, new int[] {1_000, 16}, new int[] {300, 200})) {
        Tensor value = random(dtype, 1, shape);
        Tensor acc = Tensor.filled(dtype, 0.1, shape);
        VariableShard before = new VariableShard(0, 0, value, Map.of("accumulator", acc));
        int[] rows = {3, shape[0] / 2, shape[0] - 1, 3};
        IndexedSlices g = sparse(dtype, rows, shape);
        Adagrad opt = Adagrad.builder().learningRate(0.1).build();
        Optimizer.VariableStep step = new Optimizer.VariableStep(0.1f, 0, false);

        VariableShard after = before.afterStep(opt, step, g, NO_STATS);

        Tensor[] expected = inProcess(opt, step, g, value, acc);
        assertEquals(expected[0], after.value(), dtype + " value");
        assertEquals(expected[1], after.slot("accumulator"), dtype + " accumulator");
        assertEquals(value, before.value(), "the state the step started from is unchanged");
        assertEquals(acc, before.slot("accumulator"), "its accumulator too");
        ChunkedTensor v0 = before.chunkedValue();
        ChunkedTensor v1 = after.chunkedValue();
        ChunkedTensor a0 = before.chunkedSlots().get("accumulator");
        ChunkedTensor a1 = after.chunkedSlots().get("accumulator");
        Set<Integer> touched = new HashSet<>();
        for (int row : rows) {
          touched.add(v0.chunkOfRow(row));
        }
        assertTrue(v0.numChunks() > 10 * touched.size(), "the test needs many chunks, got " + v0.numChunks());
        for (int c = 0; c < v0.numChunks(); c++) {
          assertEquals(!touched.contains(c), v1.sharesChunk(v0, c), "value chunk " + c + " shared");
          assertEquals(!touched.contains(c), a1.sharesChunk(a0, c), "accumulator chunk " + c + " shared");
        }
        long chunkBytes = 0;
        for (int c : touched) {
          chunkBytes += (long) v0.rowsIn(c) * (value.size() / shape[0]) * (dtype == DType.FLOAT32 ? 4 : 8);
        }
        assertEquals(2 * chunkBytes, after.update(true).bytesWritten(), "bytes written: the touched chunks only");
      }
    }
  }

  @Test
  void theSameStepAppliedAgainToTheSameStateGivesBitIdenticalState() {
    Tensor value = random(DType.FLOAT32, 2, 5_000, 4);
    VariableShard before = new VariableShard(0, 0, value, Map.of("accumulator", Tensor.filled(DType.FLOAT32, 0.1, 5_000, 4)));
    Adagrad opt = Adagrad.builder().learningRate(0.5).build();
    Optimizer.VariableStep step = new Optimizer.VariableStep(0.5f, 3, false);
    IndexedSlices g = sparse(DType.FLOAT32, new int[] {0, 17, 4_999, 2_500, 17}, 5_000, 4);
    VariableShard first = before.afterStep(opt, step, g, NO_STATS);
    VariableShard retried = before.afterStep(opt, step, g, NO_STATS);
    assertEquals(first.value(), retried.value());
    assertEquals(first.slot("accumulator"), retried.slot("accumulator"));
    assertNotEquals(value, first.value(), "the step changed something");
    VariableShard second = first.afterStep(opt, step, g, NO_STATS);
    VariableShard secondAgain = first.afterStep(opt, step, g, NO_STATS);
    assertEquals(second.value(), secondAgain.value(), "a recomputed chain of steps gives the same state");
    assertEquals(second.slot("accumulator"), secondAgain.slot("accumulator"));
  }

  @Test
  void stepsThatChangeEveryElementWorkOnCopiesOfTheWholeShard() {
    Tensor value = random(DType.FLOAT32, 3, 4_000);
    Tensor acc = Tensor.filled(DType.FLOAT32, 0.1, 4_000);
    IndexedSlices g = sparse(DType.FLOAT32, new int[] {5, 3_000}, 4_000);
    Tensor avg = value.copy();
    VariableShard before = new VariableShard(0, 0, value, Map.of("accumulator", acc, "average", avg));
    Adagrad ema = Adagrad.builder().learningRate(0.1).useEma(true).emaMomentum(0.9).build();
    Optimizer.VariableStep step = new Optimizer.VariableStep(0.1f, 0, false);
    assertFalse(ema.sparseStepChangesOnlyItsRows(step), "EMA changes every element");
    VariableShard after = before.afterStep(ema, step, g, NO_STATS);
    Tensor v = value.copy();
    Tensor a = acc.copy();
    Tensor m = avg.copy();
    Map<String, Tensor> slots = Map.of("accumulator", a, "average", m);
    ema.applyToVariable(step, g, v, slots::get);
    assertEquals(v, after.value());
    assertEquals(a, after.slot("accumulator"));
    assertEquals(m, after.slot("average"));
    assertEquals(value, before.value(), "the state the step started from is unchanged");
    assertEquals(avg, before.slot("average"));
    for (int c = 0; c < after.chunkedValue().numChunks(); c++) {
      assertFalse(after.chunkedValue().sharesChunk(before.chunkedValue(), c), "chunk " + c);
    }
    Adagrad decay = Adagrad.builder().learningRate(0.1).weightDecay(0.01).build();
    assertFalse(decay.sparseStepChangesOnlyItsRows(new Optimizer.VariableStep(0.1f, 0, true)), "weight decay too");
    assertTrue(decay.sparseStepChangesOnlyItsRows(new Optimizer.VariableStep(0.1f, 0, false)),
        "not on a variable excluded from weight decay");
  }

  // ------------------------------------------------------------------ on Spark

  /** a9a's first rows with their features spread over {@code 2^18} dimensions: a step touches few rows. */
  private static TrainingData spreadA9a(SparkSession spark, int rows, int dim) {
    return TrainingData.from(Datasets.spreadA9a(spark, rows, dim, 2039), "features", "label", null, 2,
        LOSS::validateLabel);
  }

  private record Run(List<Tensor> state, List<Double> losses, List<Long> bytesWritten) {}

  private static Run train(TrainingData data, Optimizer opt, Consumer<MeshRuntime> afterStep, int steps) {
    SparkSession spark = SparkTestSession.get();
    Mesh mesh = Mesh.parse("batch=2,model=2");
    BatchPlan plan = BatchPlan.miniBatch(data.rowsPerPartition(), 50, 13);
    try (MeshRuntime rt = MeshRuntime.create(spark, mesh).setCheckpointInterval(4);
        ModelLoss loss = ModelLoss.linear(data, LOSS, plan, true, 0.0)) {
      loss.bindSteps(opt);
      List<Variable> vars = List.of(rt.variable("c", Tensor.zeros(DType.FLOAT32, data.numFeatures())),
          rt.variable("b", Tensor.zeros(DType.FLOAT32, 1), Layout.replicated(mesh, 1)));
      List<Double> losses = new ArrayList<>();
      List<Long> written = new ArrayList<>();
      for (int i = 0; i < steps; i++) {
        losses.add(opt.minimize(loss, vars));
        written.add(loss.lastStepStats().bytesWrittenOnShards());
        afterStep.accept(rt);
      }
      return new Run(List.of(vars.get(0).read(), vars.get(1).read(), opt.slot(vars.get(0), "accumulator").read(),
          opt.slot(vars.get(1), "accumulator").read()), losses, written);
    }
  }

  @Test
  void retriedAndRecomputedShardUpdatesGiveBitIdenticalState() {
    String[] loggers = {"org.apache.spark.executor.Executor", "org.apache.spark.scheduler.TaskSetManager",
        "org.apache.spark.storage.DiskBlockObjectWriter", "org.apache.spark.util.Utils"};
    SparkSession spark = SparkTestSession.get();
    int dim = 1 << 18;
    int steps = 9;
    try (TrainingData data = spreadA9a(spark, 2000, dim)) {
      Run reference = train(data, Adagrad.builder().learningRate(0.3).build(), rt -> { }, steps);
      long wholeState = 2L * 4 * dim;
      for (int i = 0; i < steps; i++) {
        long w = reference.bytesWritten().get(i);
        assertTrue(w > 0 && w < wholeState / 20, "step " + i + " wrote " + w + " bytes of a " + wholeState
            + "-byte state: only the touched chunks");
      }
      Run plain = train(data, new FlakyAdagrad(0.3, Failure.NONE), rt -> { }, steps);
      assertEquals(reference.state(), plain.state(), "the test optimizer is Adagrad");
      for (String name : loggers) {
        Logger.getLogger(name).setLevel(Level.OFF);
      }
      try {
        for (Failure f : List.of(Failure.AFTER_UPDATE, Failure.END_OF_TASK)) {
          Run retried = train(data, new FlakyAdagrad(0.3, f), rt -> { }, steps);
          assertEquals(reference.state(), retried.state(), f.toString());
          assertEquals(reference.losses(), retried.losses(), f.toString());
        }
      } finally {
        for (String name : loggers) {
          Logger.getLogger(name).setLevel(null);
        }
      }
      int[] step = {0};
      Run recomputed = train(data, Adagrad.builder().learningRate(0.3).build(), rt -> {
        if (++step[0] % 3 != 0) {
          rt.stateRdd().unpersist(true);
        }
      }, steps);
      assertEquals(reference.state(), recomputed.state(), "state blocks dropped and recomputed from lineage");
      assertEquals(reference.losses(), recomputed.losses());
    }
  }
}
