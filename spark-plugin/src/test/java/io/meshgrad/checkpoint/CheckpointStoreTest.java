package io.meshgrad.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.SparkTestSession;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.GradientAndVariable;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.MeshRuntime;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {
  @TempDir
  Path tmp;

  private static final Adagrad.Builder CONFIG = Adagrad.builder().learningRate(0.1).useEma(true).emaMomentum(0.9);

  private static Tensor grad(int step) {
    Random r = new Random(step);
    return Tensor.of(new float[] {(float) r.nextGaussian(), (float) r.nextGaussian(), (float) r.nextGaussian()}, 3);
  }

  private static void steps(Adagrad opt, Variable v, int from, int to) {
    for (int s = from; s < to; s++) {
      opt.applyGradients(List.of(new GradientAndVariable(grad(s), v)));
    }
  }

  private CheckpointStore store(int keep) {
    return new CheckpointStore(tmp.resolve("ckpt").toString(), new Configuration(), keep);
  }

  @Test
  void resumingFromACheckpointContinuesBitForBit() {
    Adagrad uninterrupted = CONFIG.build();
    Variable v = new Variable("w", Tensor.of(new float[] {1f, 2f, 3f}, 3));
    steps(uninterrupted, v, 0, 10);

    Adagrad first = CONFIG.build();
    Variable a = new Variable("w", Tensor.of(new float[] {1f, 2f, 3f}, 3));
    steps(first, a, 0, 6);
    CheckpointStore store = store(3);
    store.save(TrainingCheckpoint.capture(first, List.of(a), null));

    TrainingCheckpoint c = store.loadLatestValid();
    Adagrad resumed = Adagrad.fromConfig(c.optimizerConfig());
    Variable b = new Variable("w", Tensor.zeros(DType.FLOAT32, 3));
    c.restore(resumed, List.of(b));
    assertEquals(6, resumed.iterations());
    steps(resumed, b, 6, 10);
    assertEquals(v.read(), b.read());
    assertEquals(uninterrupted.getWeights(), resumed.getWeights());
  }

  @Test
  void shardedVariablesCheckpointAndRestoreToo() {
    try (MeshRuntime rt = MeshRuntime.create(SparkTestSession.get(), Mesh.parse("batch=2,model=2"))) {
      Adagrad opt = CONFIG.build();
      Variable w = rt.variable("w", Tensor.of(new float[] {1f, 2f, 3f}, 3));
      steps(opt, w, 0, 3);
      store(2).save(TrainingCheckpoint.capture(opt, List.of(w), null));
      Variable local = new Variable("w", Tensor.zeros(DType.FLOAT32, 3));
      Adagrad restored = CONFIG.build();
      store(2).loadLatest().restore(restored, List.of(local));
      assertEquals(w.read(), local.read());
      assertEquals(opt.getWeights(), restored.getWeights());
    }
  }

  @Test
  void keepsTheNewestAndWritesAtomically() throws IOException {
    Adagrad opt = CONFIG.build();
    Variable v = new Variable("w", Tensor.of(new float[] {1f, 2f, 3f}, 3));
    CheckpointStore store = store(2);
    for (int i = 0; i < 4; i++) {
      steps(opt, v, i, i + 1);
      store.save(TrainingCheckpoint.capture(opt, List.of(v), null));
    }
    List<String> dirs = store.list();
    assertEquals(2, dirs.size());
    assertTrue(dirs.get(0).endsWith("step-000000004"), dirs.toString());
    try (Stream<Path> s = Files.list(tmp.resolve("ckpt"))) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("_tmp")));
    }
  }

  @Test
  void damagedCheckpointsAreNamedAndSkippedWhenFallingBack() throws IOException {
    Adagrad opt = CONFIG.build();
    Variable v = new Variable("w", Tensor.of(new float[] {1f, 2f, 3f}, 3));
    CheckpointStore store = store(5);
    steps(opt, v, 0, 1);
    store.save(TrainingCheckpoint.capture(opt, List.of(v), null));
    steps(opt, v, 1, 2);
    store.save(TrainingCheckpoint.capture(opt, List.of(v), null));
    Path newest = tmp.resolve("ckpt").resolve("step-000000002");
    List<Function<Path, String>> damages = new ArrayList<>();
    damages.add(dir -> truncate(dir.resolve("tensor-0000.bin")));
    damages.add(dir -> flipByte(dir.resolve("tensor-0001.bin")));
    for (Function<Path, String> damage : damages) {
      store.save(TrainingCheckpoint.capture(opt, List.of(v), null));
      String file = damage.apply(newest);
      IllegalStateException e = assertThrows(IllegalStateException.class, store::loadLatest);
      assertTrue(e.getMessage().contains(file) && e.getMessage().contains("corrupted"), e.getMessage());
      assertEquals(1, store.loadLatestValid().iterations(), "falls back to the previous checkpoint");
    }
    Files.delete(newest.resolve("manifest.json"));
    assertTrue(assertThrows(IllegalStateException.class, store::loadLatest).getMessage().contains("no manifest.json"));
    Files.delete(tmp.resolve("ckpt").resolve("step-000000001").resolve("tensor-0000.bin"));
    IllegalStateException none = assertThrows(IllegalStateException.class, store::loadLatestValid);
    assertTrue(none.getMessage().startsWith("no valid checkpoint"), none.getMessage());
  }

  @Test
  void restoreChecksNamesShapesAndConfigBeforeChangingAnything() {
    Adagrad opt = CONFIG.build();
    Variable v = new Variable("w", Tensor.of(new float[] {1f, 2f, 3f}, 3));
    steps(opt, v, 0, 2);
    TrainingCheckpoint c = TrainingCheckpoint.capture(opt, List.of(v), null);
    Variable wrongShape = new Variable("w", Tensor.zeros(DType.FLOAT32, 4));
    assertThrows(IllegalArgumentException.class, () -> c.restore(CONFIG.build(), List.of(wrongShape)));
    assertEquals(Tensor.zeros(DType.FLOAT32, 4), wrongShape.read());
    assertThrows(IllegalArgumentException.class,
        () -> c.restore(CONFIG.build(), List.of(new Variable("other", Tensor.zeros(DType.FLOAT32, 3)))));
    IllegalArgumentException config = assertThrows(IllegalArgumentException.class,
        () -> c.restore(Adagrad.builder().learningRate(0.2).build(), List.of(new Variable("w", Tensor.zeros(DType.FLOAT32, 3)))));
    assertTrue(config.getMessage().contains("config"), config.getMessage());
    assertNull(new CheckpointStore(tmp.resolve("empty").toString(), new Configuration(), 1).loadLatestValid());
  }

  private static String truncate(Path file) {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(f.length() - 3);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return file.getFileName().toString();
  }

  private static String flipByte(Path file) {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(f.length() - 1);
      int b = f.read();
      f.seek(f.length() - 1);
      f.write(b ^ 0x40);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return file.getFileName().toString();
  }
}
