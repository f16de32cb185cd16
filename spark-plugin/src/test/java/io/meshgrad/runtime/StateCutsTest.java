package io.meshgrad.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lineage cuts into meshgrad's own files ({@link StateCuts}) on a linear model of 2^16 features
 * (a9a's 123 spread 512 apart), {@code batch=2,model=2}, Adagrad, batches of 20 rows, a cut every
 * 4 steps: after the first cut (a base) each cut writes the chunks the 4 steps changed (compared
 * here with the chunks whose values differ from the previous cut's, read back from the state),
 * far less than the state; once a partition's files since its base would pass half its shard, a
 * new base; files no manifest refers to are deleted, and the runtime's close deletes the rest. The
 * result is bit for bit the one without a checkpoint directory, also when the state's cached
 * partitions are dropped after every cut (read back from the files).
 */
class StateCutsTest {
  private static final BlockLoss LOSS = new BinaryLogisticLoss();
  private static final int DIM = 1 << 16;
  private static final int STEPS = 28;
  private static final int INTERVAL = 4;

  /** This test sets a checkpoint directory, which cannot be unset: the next test class gets a new session. */
  @AfterAll
  static void stopSession() {
    SparkTestSession.stop();
  }

  private record Run(List<Tensor> state, List<Double> losses) {}

  /** Called after each cut with the runtime, the summary and the state's shards at the cut. */
  private interface AtCut {
    void accept(MeshRuntime rt, StateCuts.Summary cut) throws Exception;
  }

  private static Run train(TrainingData data, AtCut atCut) throws Exception {
    return train(data, atCut, false);
  }

  /** With {@code engine}, the steps run {@value #INTERVAL} per job of the many-steps-per-job engine (a cut at each job's end). */
  private static Run train(TrainingData data, AtCut atCut, boolean engine) throws Exception {
    SparkSession spark = SparkTestSession.get();
    Mesh mesh = Mesh.parse("batch=2,model=2");
    BatchPlan plan = BatchPlan.miniBatch(data.rowsPerPartition(), 10, 13);
    Optimizer opt = Adagrad.builder().learningRate(0.3).build();
    try (MeshRuntime rt = MeshRuntime.create(spark, mesh).setCheckpointInterval(INTERVAL);
        ModelLoss loss = ModelLoss.linear(data, LOSS, plan, true, 0.0)) {
      loss.bindSteps(opt);
      List<Variable> vars = List.of(rt.variable("c", Tensor.zeros(DType.FLOAT32, DIM)),
          rt.variable("b", Tensor.zeros(DType.FLOAT32, 1), Layout.replicated(mesh, 1)));
      List<Double> losses = new ArrayList<>();
      io.meshgrad.runtime.engine.StepEngine steps = engine
          ? io.meshgrad.runtime.engine.StepEngine.create(
              org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()), loss)
          : null;
      for (int i = 0; i < STEPS; i++) {
        if (engine) {
          if (i % INTERVAL == 0) {
            for (double l : steps.run(opt, vars, INTERVAL, STEPS, 0, Double.NaN, false).losses()) {
              losses.add(l);
            }
          }
        } else {
          losses.add(opt.minimize(loss, vars));
        }
        if ((i + 1) % INTERVAL == 0 && atCut != null) {
          atCut.accept(rt, rt.lastCut());
        }
      }
      return new Run(List.of(vars.get(0).read(), vars.get(1).read(), opt.slot(vars.get(0), "accumulator").read(),
          opt.slot(vars.get(1), "accumulator").read()), losses);
    }
  }

  /** Element bytes of the chunks (of the value and the slots) whose values differ between two versions of a shard. */
  private static long differingBytes(VariableShard before, VariableShard now) {
    List<ChunkedTensor> a = new ArrayList<>();
    List<ChunkedTensor> b = new ArrayList<>();
    a.add(before.chunkedValue());
    b.add(now.chunkedValue());
    before.chunkedSlots().forEach((k, t) -> {
      a.add(t);
      b.add(now.chunkedSlots().get(k));
    });
    long bytes = 0;
    for (int c = 0; c < now.chunkedValue().numChunks(); c++) {
      boolean differs = false;
      for (int t = 0; t < a.size(); t++) {
        differs |= !a.get(t).gather(new int[] {c}).equals(b.get(t).gather(new int[] {c}));
      }
      if (differs) {
        for (ChunkedTensor t : b) {
          bytes += t.gather(new int[] {c}).size() * 4L;
        }
      }
    }
    return bytes;
  }

  /** The files in the cut directory (Hadoop's local checksum files and temporary files aside). */
  private static Set<String> files(Path dir) throws IOException {
    Set<String> out = new HashSet<>();
    if (!Files.exists(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.list(dir)) {
      s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).forEach(out::add);
    }
    return out;
  }

  @Test
  void cutsWriteTheChangedChunksAndReadBackBitIdentically(@TempDir Path checkpoints) throws Exception {
    SparkSession spark = SparkTestSession.get();
    try (TrainingData data = TrainingData.from(Datasets.spreadA9a(spark, 2000, DIM, 512), "features", "label", null,
        2, LOSS::validateLabel)) {
      assertFalse(spark.sparkContext().getCheckpointDir().isDefined(), "the reference runs without one");
      Run reference = train(data, null);
      spark.sparkContext().setCheckpointDir(checkpoints.toString());

      List<VariableShard> previous = new ArrayList<>();
      int[] deltas = {0};
      int[] compactions = {0};
      Path[] dir = {null};
      AtCut check = (rt, summary) -> {
        assertNotNull(summary, "a cut into the checkpoint directory");
        dir[0] = Path.of(rt.cutDirectory().toUri());
        List<VariableShard> shards = StepJobs.collect(rt.stateRdd());
        assertEquals(3, shards.size(), "2 coefficient shards and the bias");
        long stateBytes = shards.stream().mapToLong(VariableShard::byteSize).sum();
        assertEquals(stateBytes, summary.stateBytes());
        long total = 0;
        for (StateCuts.Written w : summary.perPartition()) {
          total += w.chunkBytes + w.manifestBytes;
          VariableShard now = shards.get(w.partition);
          if (summary.cut() == 1) {
            assertTrue(w.base, "the first cut writes a base");
          }
          if (w.partition < 2 && summary.cut() > 1) {
            if (w.base) {
              compactions[0]++;
              assertEquals(now.byteSize(), w.dataBytes, "a base holds the whole shard");
            } else {
              deltas[0]++;
              long differing = differingBytes(previous.get(w.partition), now);
              assertTrue(differing > 0 && w.dataBytes >= differing && w.dataBytes <= differing + differing / 10,
                  "cut " + summary.cut() + ", partition " + w.partition + ": wrote " + w.dataBytes
                      + " bytes of chunks, " + differing + " bytes of chunks changed, shard " + now.byteSize());
              assertTrue(w.chunkBytes + w.manifestBytes < now.byteSize() / 3, "a delta cut: " + w.chunkBytes
                  + " + " + w.manifestBytes + " bytes of a " + now.byteSize() + "-byte shard");
            }
          }
        }
        if (summary.cut() > 1 && summary.bases() == 1) {
          assertTrue(total < stateBytes / 3, "cut " + summary.cut() + " wrote " + total + " of " + stateBytes);
        }
        // exactly the newest manifests and the chunk files they name are left
        Set<String> expected = new HashSet<>();
        for (StateCuts.Written w : summary.perPartition()) {
          expected.add(StateCuts.manifestPath(new org.apache.hadoop.fs.Path("x"), w.partition, w.cut).getName());
          for (int c : w.referencedCuts) {
            expected.add(StateCuts.chunksPath(new org.apache.hadoop.fs.Path("x"), w.partition, c).getName());
          }
        }
        assertEquals(expected, files(dir[0]), "cut " + summary.cut() + ": files left");
        // a lost state partition is read back from the files, bit for bit
        rt.stateRdd().unpersist(true);
        List<VariableShard> reread = StepJobs.collect(rt.stateRdd());
        for (int p = 0; p < shards.size(); p++) {
          assertEquals(shards.get(p).value(), reread.get(p).value(), "partition " + p + " read back");
          for (String slot : shards.get(p).chunkedSlots().keySet()) {
            assertEquals(shards.get(p).slot(slot), reread.get(p).slot(slot), "partition " + p + ", " + slot);
          }
        }
        previous.clear();
        previous.addAll(shards);
      };
      Run cut = train(data, check);
      assertTrue(deltas[0] >= 4, "delta cuts: " + deltas[0]);
      assertTrue(compactions[0] >= 1, "compactions: " + compactions[0]);
      assertEquals(Set.of(), files(dir[0]), "the runtime's close deletes the cut files");
      assertEquals(reference.state(), cut.state(), "variables and slots with cuts into files, partitions dropped");
      assertArrayEquals(reference.losses().stream().mapToDouble(Double::doubleValue).toArray(),
          cut.losses().stream().mapToDouble(Double::doubleValue).toArray(), "losses");

      Run kept = train(data, (rt, summary) -> { });
      assertEquals(reference.state(), kept.state(), "variables and slots with cuts into files");
      assertEquals(reference.losses(), kept.losses());

      // the engine's cut (MeshRuntime.adoptEngineState) writes the same files
      previous.clear();
      deltas[0] = 0;
      compactions[0] = 0;
      Run engine = train(data, check, true);
      assertTrue(deltas[0] >= 4, "delta cuts after engine jobs: " + deltas[0]);
      assertTrue(compactions[0] >= 1, "compactions after engine jobs: " + compactions[0]);
      assertEquals(Set.of(), files(dir[0]), "the runtime's close deletes the engine's cut files");
      assertEquals(reference.state(), engine.state(), "variables and slots, engine jobs with cuts into files");
      assertEquals(reference.losses(), engine.losses(), "losses, engine jobs");
    }
  }
}
