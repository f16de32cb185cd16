package io.meshgrad.hygiene;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.SparkTestSession;
import io.meshgrad.checkpoint.CheckpointPolicy;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.loss.LeastSquaresLoss;
import io.meshgrad.loss.MultinomialLogisticLoss;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.tensor.DType;
import io.meshgrad.train.EarlyStopping;
import io.meshgrad.train.MeshTrainer;
import io.meshgrad.train.NonFiniteGradient;
import io.meshgrad.train.StepListener;
import io.meshgrad.train.TrainingResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * Fits leave nothing behind in their session (cached RDDs, broadcasts, non-daemon threads,
 * checkpoint files), also when they fail, and fits on different threads of one session give the
 * results they give one after the other.
 */
class FitHygieneTest {

  /**
   * One kind of fit: a mesh, a loss, an optimizer and the settings that go with them; with
   * {@code safeguards}, also SKIP of non-finite steps (slots read back every step), early stopping
   * on validation rows and optimizer-state checkpoints (a temporary directory, deleted after).
   */
  private record Variant(String name, String mesh, BlockLoss loss, int classes, int batchSize,
      Supplier<Optimizer> optimizer, int checkpointInterval, long seed, boolean safeguards) {

    TrainingResult fit(SparkSession spark, StepListener listener) throws IOException {
      Mesh m = Mesh.parse(mesh);
      try (TrainingData data = TrainingData.from(SmallData.frame(spark, 300, 12, classes, seed), "features", "label",
          null, m.batchSize(), loss::validateLabel)) {
        MeshTrainer.Settings s = new MeshTrainer.Settings(m, DType.FLOAT32, 12, 0, batchSize, seed, true, 1e-3, 0.0, 2,
            checkpointInterval);
        if (!safeguards) {
          return MeshTrainer.fit(spark, data, loss, optimizer.get(), s, listener);
        }
        Path dir = Files.createTempDirectory("meshgrad-hygiene-state-");
        try (TrainingData validation = TrainingData.from(SmallData.frame(spark, 120, 12, classes, seed + 100),
            "features", "label", null, m.batchSize(), loss::validateLabel)) {
          MeshTrainer.Controls controls = new MeshTrainer.Controls(NonFiniteGradient.SKIP,
              new EarlyStopping(validation, 3, 0.0), new CheckpointPolicy(dir.toString(), 3, 2, false));
          return MeshTrainer.fit(spark, data, loss, optimizer.get(), s, controls, listener);
        } finally {
          try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
          }
        }
      }
    }
  }

  private static final List<Variant> VARIANTS = List.of(
      new Variant("driver-held, full batch", "batch=1", new BinaryLogisticLoss(), 2, 0,
          () -> Adagrad.builder().learningRate(0.5).build(), 10, 1L, false),
      new Variant("2x2 mini-batch, EMA", "batch=2,model=2", new BinaryLogisticLoss(), 2, 32,
          () -> Adagrad.builder().learningRate(0.3).useEma(true).emaMomentum(0.9).build(), 3, 2L, false),
      new Variant("2x3 multinomial, clipnorm", "batch=2,model=3", new MultinomialLogisticLoss(3), 3, 0,
          () -> Adagrad.builder().learningRate(0.3).clipnorm(0.5).build(), 4, 3L, false),
      new Variant("3x2 least squares, global_clipnorm, weight decay", "batch=3,model=2", new LeastSquaresLoss(), 2, 40,
          () -> Adagrad.builder().learningRate(0.1).globalClipnorm(1.0).weightDecay(0.01).build(), 5, 4L, false),
      new Variant("2x2 mini-batch, EMA, SKIP, early stopping, state checkpoints", "batch=2,model=2",
          new BinaryLogisticLoss(), 2, 48,
          () -> Adagrad.builder().learningRate(0.3).useEma(true).emaMomentum(0.9).build(), 4, 5L, true));

  /** The fits of the 20 that fail half way (from their listener): of three different variants. */
  private static final Set<Integer> FAILING = Set.of(6, 13, 19);

  private static void assertSame(TrainingResult expected, TrainingResult actual, String what) {
    assertEquals(expected.coefficients(), actual.coefficients(), what + ": coefficients");
    assertEquals(expected.intercept(), actual.intercept(), what + ": intercept");
    assertArrayEquals(expected.lossHistory(), actual.lossHistory(), what + ": loss history");
  }

  @Test
  void twentyFitsLeaveNoCachedRddNoBroadcastNoThreadBehind() throws Exception {
    SparkSession spark = SparkTestSession.get();
    for (Variant v : VARIANTS.subList(0, 2)) {
      v.fit(spark, null); // warm up (driver-held and sharded): Spark starts some thread pools on first use
    }
    Set<Integer> rddsBefore = Leftovers.cachedRdds(spark);
    int broadcastsBefore = Leftovers.broadcastBlocksAfterGc(0, Duration.ofSeconds(10));
    Set<Thread> threadsBefore = Leftovers.nonDaemonThreads();
    long t0 = System.nanoTime();
    for (int i = 0; i < 20; i++) {
      Variant v = VARIANTS.get(i % VARIANTS.size());
      String what = "fit " + i + " (" + v.name() + ")";
      if (FAILING.contains(i)) {
        // a fit that fails half way must release what it holds too
        RuntimeException e = assertThrows(RuntimeException.class, () -> v.fit(spark, (step, total, epoch, loss) -> {
          if (step == 5) {
            throw new IllegalStateException("listener gives up");
          }
        }), what);
        assertEquals("listener gives up", e.getMessage());
      } else {
        v.fit(spark, null);
      }
      assertEquals(rddsBefore, Leftovers.cachedRdds(spark), what + ": cached RDDs");
      assertEquals(List.of(), Leftovers.meshgradBroadcastsAfter(Duration.ofSeconds(2)),
          what + ": meshgrad broadcasts still alive");
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    Set<Thread> newThreads = new HashSet<>(Leftovers.nonDaemonThreads());
    newThreads.removeAll(threadsBefore);
    assertEquals(Set.of(), newThreads, "new non-daemon threads: " + Leftovers.names(newThreads));
    int broadcastsAfter = Leftovers.broadcastBlocksAfterGc(broadcastsBefore, Duration.ofSeconds(30));
    System.out.printf("20 fits in %.1f s; broadcast blocks before %d, after GC %d; non-daemon threads %s%n",
        seconds, broadcastsBefore, broadcastsAfter, Leftovers.names(Leftovers.nonDaemonThreads()));
    assertTrue(broadcastsAfter <= broadcastsBefore,
        "broadcast blocks: " + broadcastsBefore + " before the fits, " + broadcastsAfter + " after them and a GC");
  }

  @Test
  void fitsWithACheckpointDirectoryLeaveNoCheckpointFiles() throws Exception {
    SparkTestSession.stop();
    SparkSession spark = SparkTestSession.get();
    Path dir = Files.createTempDirectory("meshgrad-hygiene-checkpoints-");
    try {
      spark.sparkContext().setCheckpointDir(dir.toString());
      for (Variant v : VARIANTS) {
        v.fit(spark, null);
      }
      List<Path> left;
      try (Stream<Path> s = Files.walk(dir)) {
        left = s.filter(Files::isRegularFile).toList();
      }
      assertEquals(List.of(), left, "checkpoint files left after the fits");
    } finally {
      SparkTestSession.stop(); // a checkpoint directory cannot be unset
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void concurrentFitsGiveTheResultsOfSequentialFits() throws Exception {
    SparkSession spark = SparkTestSession.get();
    List<TrainingResult> sequential = new ArrayList<>();
    for (Variant v : VARIANTS) {
      sequential.add(v.fit(spark, null));
    }
    ExecutorService pool = Executors.newFixedThreadPool(VARIANTS.size());
    try {
      for (int round = 0; round < 2; round++) {
        CyclicBarrier start = new CyclicBarrier(VARIANTS.size());
        long[][] spans = new long[VARIANTS.size()][2];
        List<Future<TrainingResult>> futures = new ArrayList<>();
        for (int i = 0; i < VARIANTS.size(); i++) {
          int k = i;
          futures.add(pool.submit(() -> {
            start.await(60, TimeUnit.SECONDS);
            spans[k][0] = System.nanoTime();
            TrainingResult r = VARIANTS.get(k).fit(spark, null);
            spans[k][1] = System.nanoTime();
            return r;
          }));
        }
        for (int i = 0; i < VARIANTS.size(); i++) {
          assertSame(sequential.get(i), futures.get(i).get(300, TimeUnit.SECONDS),
              "round " + round + ", " + VARIANTS.get(i).name() + " on its own thread");
        }
        long lastStart = Stream.of(spans).mapToLong(s -> s[0]).max().orElseThrow();
        long firstEnd = Stream.of(spans).mapToLong(s -> s[1]).min().orElseThrow();
        assertTrue(lastStart < firstEnd, "the fits did not overlap in time");
      }
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS), "fit threads did not end");
    }
    assertEquals(Set.of(), Leftovers.cachedRdds(spark), "cached RDDs after the concurrent fits");
  }
}
