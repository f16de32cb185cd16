package io.meshgrad.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.GradientAndVariable;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints of tensors of more than one chunk ({@link ChunkDeltas}): a checkpoint after a step
 * that changed a few rows writes only their chunks; a store that resumes from such a checkpoint
 * continues bit for bit; a damaged or missing chunk file is named in one line; a checkpoint whose
 * manifest was never put in place leaves the previous one readable.
 */
class DeltaCheckpointTest {
  private static final int ROWS = 4096; // 32 chunks of 128 rows
  private static final Adagrad.Builder CONFIG = Adagrad.builder().learningRate(0.1);

  @TempDir
  Path tmp;

  /** A gradient that is zero except in {@code rows}. */
  private static void step(Adagrad opt, Variable w, Variable v, int seed, int... rows) {
    Random r = new Random(seed);
    float[] gw = new float[ROWS];
    double[] gv = new double[ROWS * 2];
    for (int row : rows) {
      gw[row] = (float) r.nextGaussian();
      gv[2 * row] = r.nextGaussian();
      gv[2 * row + 1] = r.nextGaussian();
    }
    opt.applyGradients(List.of(new GradientAndVariable(Tensor.of(gw, ROWS), w),
        new GradientAndVariable(Tensor.of(gv, ROWS, 2), v)));
  }

  private static Variable w() {
    float[] x = new float[ROWS];
    for (int i = 0; i < ROWS; i++) {
      x[i] = i * 0.001f;
    }
    return new Variable("w", Tensor.of(x, ROWS));
  }

  private static Variable v() {
    return new Variable("v", Tensor.zeros(DType.FLOAT64, ROWS, 2));
  }

  private Path root() {
    return tmp.resolve("ckpt");
  }

  private CheckpointStore store() {
    return new CheckpointStore(root().toString(), new Configuration(), 2);
  }

  private Map<String, Long> chunkFiles() throws IOException {
    Map<String, Long> out = new HashMap<>();
    try (Stream<Path> s = Files.list(root().resolve(ChunkDeltas.DIR))) {
      for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".bin")).toList()) {
        out.put(p.getFileName().toString(), Files.size(p));
      }
    }
    return out;
  }

  @Test
  void aCheckpointAfterAFewRowsChangedWritesOnlyTheirChunks() throws IOException {
    Adagrad opt = CONFIG.build();
    Variable w = w();
    Variable v = v();
    CheckpointStore store = store();
    step(opt, w, v, 1, 5, 700);
    store.save(TrainingCheckpoint.capture(opt, List.of(w, v), null));
    Map<String, Long> before = chunkFiles();
    // a base: w and its accumulator (32 chunks of 128 floats), v and its accumulator (64 chunks of 64 rows of 2 doubles)
    long base = 2 * (8 + 4 * 32 + ROWS * 4L) + 2 * (8 + 4 * 64 + ROWS * 2 * 8L);
    assertEquals(base, before.values().stream().mapToLong(Long::longValue).sum());

    step(opt, w, v, 2, 3, 4000); // rows 3 and 4000: chunk 0 and 31 of w, 0 and 62 of v
    store.save(TrainingCheckpoint.capture(opt, List.of(w, v), null));
    long written = 0;
    for (Map.Entry<String, Long> e : chunkFiles().entrySet()) {
      if (!before.containsKey(e.getKey())) {
        written += e.getValue();
      }
    }
    long delta = 2 * (8 + 4 * 2 + 2 * 128 * 4L) + 2 * (8 + 4 * 2 + 2 * 64 * 2 * 8L);
    assertEquals(delta, written, "the delta checkpoint's chunk files hold exactly the changed chunks");
    assertTrue(chunkFiles().keySet().containsAll(before.keySet()), "the base is still named");

    TrainingCheckpoint loaded = store().loadLatest();
    assertEquals(w.read(), loaded.values().get("w"));
    assertEquals(v.read(), loaded.values().get("v"));
    assertEquals(opt.slot(w, "accumulator").read(), loaded.slots().get("w").get("accumulator"));
    assertEquals(opt.slot(v, "accumulator").read(), loaded.slots().get("v").get("accumulator"));
  }

  @Test
  void resumingFromADeltaCheckpointContinuesBitForBit() throws IOException {
    Adagrad straight = CONFIG.build();
    Variable w = w();
    Variable v = v();
    for (int s = 0; s < 12; s++) {
      step(straight, w, v, s, s * 37 % ROWS, s * 331 % ROWS);
    }

    Adagrad first = CONFIG.build();
    Variable a = w();
    Variable b = v();
    CheckpointStore store = store();
    for (int s = 0; s < 7; s++) {
      step(first, a, b, s, s * 37 % ROWS, s * 331 % ROWS);
      store.save(TrainingCheckpoint.capture(first, List.of(a, b), null));
    }
    assertTrue(chunkFiles().size() > 4, "the newest checkpoint names a base and deltas");
    TrainingCheckpoint c = store().loadLatestValid();
    assertEquals(7, c.iterations());
    Adagrad resumed = CONFIG.build();
    Variable ra = new Variable("w", Tensor.zeros(DType.FLOAT32, ROWS));
    Variable rb = v();
    c.restore(resumed, List.of(ra, rb));
    for (int s = 7; s < 12; s++) {
      step(resumed, ra, rb, s, s * 37 % ROWS, s * 331 % ROWS);
    }
    assertEquals(w.read(), ra.read());
    assertEquals(v.read(), rb.read());
    assertEquals(straight.getWeights(), resumed.getWeights());
  }

  @Test
  void aDamagedOrMissingChunkFileIsNamedInOneLine() throws IOException {
    Adagrad opt = CONFIG.build();
    Variable w = w();
    Variable v = v();
    CheckpointStore store = store();
    step(opt, w, v, 1, 5);
    store.save(TrainingCheckpoint.capture(opt, List.of(w, v), null));
    Map<String, Long> base = chunkFiles();
    step(opt, w, v, 2, 9);
    store.save(TrainingCheckpoint.capture(opt, List.of(w, v), null));
    String deltaFile = chunkFiles().keySet().stream().filter(f -> !base.containsKey(f)).sorted().findFirst().get();
    Path delta = root().resolve(ChunkDeltas.DIR).resolve(deltaFile);
    byte[] good = Files.readAllBytes(delta);
    try (RandomAccessFile f = new RandomAccessFile(delta.toFile(), "rw")) {
      f.seek(f.length() - 1);
      int x = f.read();
      f.seek(f.length() - 1);
      f.write(x ^ 0x40);
    }
    IllegalStateException corrupt = assertThrows(IllegalStateException.class, () -> store().loadLatest());
    assertTrue(corrupt.getMessage().contains(deltaFile) && corrupt.getMessage().contains("corrupted"),
        corrupt.getMessage());
    assertFalse(corrupt.getMessage().contains("\n"), corrupt.getMessage());
    Files.delete(delta);
    IllegalStateException missing = assertThrows(IllegalStateException.class, () -> store().loadLatest());
    assertTrue(missing.getMessage().contains(deltaFile) && missing.getMessage().contains("missing"),
        missing.getMessage());
    assertEquals(1, store().loadLatestValid().iterations(), "the previous checkpoint does not name the delta");
    Files.write(delta, good);
    assertEquals(2, store().loadLatest().iterations());
  }

  @Test
  void aCheckpointNotPutInPlaceLeavesThePreviousOneReadable() throws IOException {
    Adagrad opt = CONFIG.build();
    Variable w = w();
    Variable v = v();
    CheckpointStore store = store();
    step(opt, w, v, 1, 5);
    store.save(TrainingCheckpoint.capture(opt, List.of(w, v), null));
    Map<String, Long> files = chunkFiles();
    // what a crash between the chunk files and the manifest's rename leaves: an unnamed chunk file, a temporary directory
    Files.write(root().resolve(ChunkDeltas.DIR).resolve("s000000002-deadbeef-t0000.bin"), new byte[] {1, 2, 3});
    Files.createDirectories(root().resolve("_tmp-crashed"));
    TrainingCheckpoint c = store().loadLatestValid();
    assertEquals(1, c.iterations());
    assertEquals(w.read(), c.values().get("w"));
    step(opt, w, v, 2, 9);
    store().save(TrainingCheckpoint.capture(opt, List.of(w, v), null));
    assertFalse(chunkFiles().containsKey("s000000002-deadbeef-t0000.bin"), "the next checkpoint deletes unnamed files");
    assertTrue(chunkFiles().keySet().containsAll(files.keySet()), "the previous checkpoint (kept) is whole");
    assertEquals(1, store().load(store().list().get(1)).iterations());
  }
}
