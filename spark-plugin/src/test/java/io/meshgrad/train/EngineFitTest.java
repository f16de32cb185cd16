package io.meshgrad.train;

import static io.meshgrad.train.EngineFits.LOSS;
import static io.meshgrad.train.EngineFits.STEPS;
import static io.meshgrad.train.EngineFits.assertSameFit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.Datasets;
import io.meshgrad.LogCapture;
import io.meshgrad.data.TrainingData;
import io.meshgrad.SparkTestSession;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.model.BlockModel;
import io.meshgrad.model.FactorizationMachine;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.runtime.engine.StepEngine;
import io.meshgrad.schedule.ExponentialDecay;
import io.meshgrad.tensor.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The many-steps-per-job engine ({@link StepEngine}) through {@link MeshTrainer}: bit for bit the
 * job-per-step path's weights and loss history for the same data, mesh, batches and seed, jobs
 * resubmitted after a task failure included; and where it cannot run, one clear line or the
 * fallback.
 */
class EngineFitTest {
  @AfterAll
  static void noCachedRddLeft() {
    EngineFits.assertNoCachedRdd();
  }

  private static TrainingResult fit(String mesh, DType dtype, Supplier<Optimizer> optimizer, BlockModel model,
      double tol, int stepsPerJob, List<Long> stepsSeen) {
    return EngineFits.fit(mesh, dtype, optimizer, model, tol, 10, stepsPerJob, stepsSeen);
  }

  private static void compare(String what, DType dtype, Supplier<Optimizer> optimizer, BlockModel model, double tol) {
    EngineFits.compare(what, dtype, (stepsPerJob, seen) -> fit("batch=2", dtype, optimizer, model, tol, stepsPerJob,
        seen));
  }

  @Test
  void linearWithClippingEmaWeightDecayAndASchedule() {
    for (DType dtype : DType.values()) {
      compare("clipnorm, EMA with overwrite, weight decay", dtype, () -> Adagrad.builder().learningRate(0.5)
          .clipnorm(0.05).useEma(true).emaMomentum(0.9).emaOverwriteFrequency(3).weightDecay(0.01).build(), null, 0);
      compare("global_clipnorm, schedule", dtype, () -> Adagrad.builder()
          .learningRate(new ExponentialDecay(0.5, 2, 0.9)).globalClipnorm(0.1).build(), null, 0);
    }
  }

  @Test
  void factorizationMachineMlpAndConvergenceStopInsideAJob() {
    FactorizationMachine fm = new FactorizationMachine(123, 3, true, true, 0.1, LOSS_FM);
    compare("FM", DType.FLOAT32, () -> Adagrad.builder().learningRate(0.2).build(), fm, 0);
    compare("MLP", DType.FLOAT64, () -> Adagrad.builder().learningRate(0.2).globalClipnorm(1.0).build(),
        new io.meshgrad.model.MultilayerPerceptron(new int[] {123, 6, 2}, io.meshgrad.model.Activation.TANH), 0);
    // a tolerance that stops the fit after a few steps: the engine stops inside its job at the same step
    List<Long> seen = new ArrayList<>();
    TrainingResult a = fit("batch=2", DType.FLOAT64, () -> Adagrad.builder().learningRate(0.01).build(), null, 0.02, 1,
        seen);
    TrainingResult b = fit("batch=2", DType.FLOAT64, () -> Adagrad.builder().learningRate(0.01).build(), null, 0.02, 5,
        new ArrayList<>());
    assertTrue(a.steps() < STEPS, "the tolerance must stop the fit early, took " + a.steps());
    assertSameFit(a, b, "tol");
  }

  private static final io.meshgrad.loss.ScalarMarginLoss LOSS_FM = new BinaryLogisticLoss();

  @Test
  void aFailedTaskResubmitsTheJobFromItsStartAndTheResultStaysBitIdentical() {
    Supplier<Optimizer> opt = () -> Adagrad.builder().learningRate(0.5).clipnorm(0.05).build();
    TrainingResult reference = fit("batch=2", DType.FLOAT32, opt, null, 0, 1, new ArrayList<>());
    // rank 1 fails after its first step in the first attempt of each job: only a resubmission finishes the fit
    FailsAfterFirstEngineStep failing = new FailsAfterFirstEngineStep(
        new io.meshgrad.model.LinearModel(LOSS, 123, true), 1);
    StepJobs jobs = StepJobs.watch();
    TrainingResult retried;
    try {
      retried = fit("batch=2", DType.FLOAT32, opt, failing, 0, 4, new ArrayList<>());
    } finally {
      jobs.stop();
    }
    assertSameFit(reference, retried, "after task failures");
    assertEquals(2, jobs.failed.get(), "the first attempt of each of the 2 jobs failed");
    assertEquals(2, failing.failures(), "the failures were the injected ones, one per job");
    assertEquals(List.of("meshgrad steps 1-4/7", "meshgrad steps 1-4/7", "meshgrad steps 5-7/7",
        "meshgrad steps 5-7/7"), jobs.stepJobs());
  }

  /** The engine's DEBUG lines that say how each job's tasks got their start state, while {@code fit} runs. */
  private static List<String> stateLines(Runnable fit) {
    try (LogCapture log = LogCapture.start(StepEngine.class.getName(), org.apache.logging.log4j.Level.DEBUG)) {
      fit.run();
      return log.events(org.apache.logging.log4j.Level.DEBUG, StepEngine.class.getName()).stream()
          .map(e -> e.getMessage().getFormattedMessage())
          .filter(m -> m.contains("the closure carries") || m.contains("start from their replicas")
              || m.contains("fetched the state"))
          .toList();
    }
  }

  /**
   * The tasks keep their replicas of the state on their executors between a fit's jobs: only the
   * first job ships the state in its closure, the later ones start from the replicas (no fetch in
   * local mode, where every task finds its rank's), and the result is the job-per-step path's.
   */
  @Test
  void aFitOfSeveralJobsShipsTheStateOnlyInItsFirstJob() {
    FactorizationMachine fm = new FactorizationMachine(123, 3, true, true, 0.1, LOSS_FM);
    for (DType dtype : DType.values()) {
      for (BlockModel model : new BlockModel[] {null, fm}) {
        String what = (model == null ? "linear " : "FM ") + dtype;
        Supplier<Optimizer> opt = () -> Adagrad.builder().learningRate(0.3).clipnorm(0.5).build();
        TrainingResult a = fit("batch=2", dtype, opt, model, 0, 1, new ArrayList<>());
        TrainingResult[] b = new TrainingResult[1];
        List<String> lines = stateLines(() -> b[0] = fit("batch=2", dtype, opt, model, 0, 3, new ArrayList<>()));
        assertSameFit(a, b[0], what);
        assertEquals(3, lines.size(), what + ": " + lines);
        assertTrue(lines.get(0).contains("the closure carries the state"), what + ": " + lines);
        assertTrue(lines.subList(1, 3).stream().allMatch(l -> l.contains("start from their replicas")),
            what + ": " + lines);
      }
    }
  }

  /**
   * A job resubmitted after a failed task starts from the driver's state: the failed attempt's
   * tasks kept no replica, so the new attempt's tasks fetch the state from the driver; the result
   * stays bit for bit the job-per-step path's.
   */
  @Test
  void aResubmittedJobFetchesTheDriversStateAndStaysBitIdentical() {
    Supplier<Optimizer> opt = () -> Adagrad.builder().learningRate(0.5).clipnorm(0.05).build();
    TrainingResult reference = fit("batch=2", DType.FLOAT32, opt, null, 0, 1, new ArrayList<>());
    FailsAfterFirstEngineStep failing = new FailsAfterFirstEngineStep(
        new io.meshgrad.model.LinearModel(LOSS, 123, true), 1);
    TrainingResult[] retried = new TrainingResult[1];
    List<String> lines = stateLines(() -> retried[0] = fit("batch=2", DType.FLOAT32, opt, failing, 0, 4,
        new ArrayList<>()));
    assertSameFit(reference, retried[0], "after task failures");
    assertEquals(2, failing.failures(), "one injected failure per job");
    // job 1 ships the state (both attempts); job 2 starts from the replicas, and its second attempt fetches the state
    assertTrue(lines.stream().anyMatch(l -> l.contains("start from their replicas")), String.valueOf(lines));
    assertTrue(lines.stream().anyMatch(l -> l.contains("fetched the state")), String.valueOf(lines));
  }

  /**
   * The fit's jobs share one transport (endpoints kept on the executors between jobs), and the
   * fit's end closes it everywhere: no listening port of this JVM (local mode: the tasks' endpoints
   * and the driver's listener) is left after a fit of 3 engine jobs.
   */
  @Test
  void noPortListensAfterAFitOfSeveralEngineJobs() throws java.io.IOException {
    org.junit.jupiter.api.Assumptions.assumeTrue(io.meshgrad.ListeningSockets.readable(), "reads the listening sockets from /proc");
    Supplier<Optimizer> opt = () -> Adagrad.builder().learningRate(0.5).build();
    fit("batch=2", DType.FLOAT32, opt, null, 0, 3, new ArrayList<>()); // Spark's own lazily started listeners
    java.util.Set<String> before = io.meshgrad.ListeningSockets.now();
    StepJobs jobs = StepJobs.watch();
    try {
      fit("batch=2", DType.FLOAT32, opt, null, 0, 3, new ArrayList<>());
    } finally {
      jobs.stop();
    }
    assertEquals(3, jobs.stepJobs().size(), "engine jobs of the fit: " + jobs.stepJobs());
    assertEquals(before, io.meshgrad.ListeningSockets.now(), "listening sockets of this JVM before and after a fit of 3 jobs");
  }

  @Test
  void aSparseHighDimensionalModelSendsItsChangedRowsAndStaysBitIdentical() {
    // a9a's features spread over 2^16: a step changes a few hundred rows of the weights (and of the
    // FM's factors, rows of 3), so rank 0 sends those rows, not the whole state
    SparkSession spark = SparkTestSession.get();
    int dim = 1 << 16;
    for (DType dtype : DType.values()) {
      for (boolean fm : new boolean[] {false, true}) {
        TrainingResult[] results = new TrainingResult[2];
        try (LogCapture log = LogCapture.start(StepEngine.class.getName(), org.apache.logging.log4j.Level.DEBUG)) {
          for (int k = 0; k < 2; k++) {
            Mesh m = Mesh.parse("batch=2");
            try (TrainingData data = TrainingData.from(Datasets.spreadA9a(spark, 600, dim, 509), "features", "label",
                null, m.batchSize(), LOSS::validateLabel)) {
              // no regularisation: its gradient would make every row change
              MeshTrainer.Settings s = new MeshTrainer.Settings(m, dtype, STEPS, 0, 64, 7L, true, 0.0, 0, 2, 10);
              BlockModel model = fm ? new FactorizationMachine(dim, 3, true, true, 0.1, LOSS_FM)
                  : new io.meshgrad.model.LinearModel(LOSS, dim, true);
              results[k] = MeshTrainer.fit(spark, data, model, Adagrad.builder().learningRate(0.3).clipnorm(0.5).build(),
                  s, MeshTrainer.Controls.none().withStepsPerJob(k == 0 ? 1 : 3), (step, total, epoch, l) -> { });
            }
          }
          String what = (fm ? "FM " : "linear ") + dtype;
          assertSameFit(results[0], results[1], what);
          List<String> sent = log.events(org.apache.logging.log4j.Level.DEBUG, StepEngine.class.getName()).stream()
              .map(e -> e.getMessage().getFormattedMessage()).filter(m -> m.contains("rank 0 sent")).toList();
          assertEquals(3, sent.size(), what + ": " + sent);
          assertTrue(sent.stream().allMatch(m -> !m.contains("sent 0 of")), what + ": rows were sent: " + sent);
        }
      }
    }
  }

  @Test
  void replicasThatDifferAfterAJobFailTheFitLoudly() {
    // the test optimizer changes one bit of a row it updated on one rank (DivergentAdagrad): a dense
    // model (a9a) and a row-sparse one (spread over 2^16 features), where the check covers the changed rows only
    SparkSession spark = SparkTestSession.get();
    int dim = 1 << 16;
    for (boolean sparse : new boolean[] {false, true}) {
      for (int rank : new int[] {1, 0}) {
        Mesh m = Mesh.parse("batch=2");
        try (TrainingData data = TrainingData.from(sparse ? Datasets.spreadA9a(spark, 600, dim, 509)
            : Datasets.a9a(spark, "a9a"), "features", "label", null, m.batchSize(), LOSS::validateLabel)) {
          MeshTrainer.Settings s = new MeshTrainer.Settings(m, DType.FLOAT32, STEPS, 0, 64, 7L, true, 0.0, 0, 2, 10);
          RuntimeException e = assertThrows(RuntimeException.class, () -> MeshTrainer.fit(spark, data,
              new io.meshgrad.model.LinearModel(LOSS, data.numFeatures(), true), new DivergentAdagrad(0.5, rank), s,
              MeshTrainer.Controls.none().withStepsPerJob(4), (step, total, epoch, l) -> { }));
          Throwable t = e;
          while (t.getCause() != null && !String.valueOf(t.getMessage()).contains("differ")) {
            t = t.getCause();
          }
          assertEquals("meshgrad engine: the replicas of rank 0 and rank 1 differ after steps 1-4: the partial sums "
              + "were not the same", t.getMessage(), (sparse ? "sparse" : "dense") + ", rank " + rank + " diverged");
        }
      }
    }
  }

  @Test
  void tooFewTaskSlotsFailsAnExplicitRequestInOneLineAndTheAutomaticChoiceFallsBack() {
    // batch=4 makes 4 partitions, local[2] has 2 task slots
    Supplier<Optimizer> opt = () -> Adagrad.builder().learningRate(0.5).build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> fit("batch=4", DType.FLOAT64, opt, null, 0, 5, new ArrayList<>()));
    assertEquals("stepsPerJob=5 cannot run: the engine runs the mesh's 4 batch partitions as tasks of one barrier "
        + "stage, which needs 4 free task slots, but the application has 2 (cores / spark.task.cpus): give it more "
        + "cores or executors, use a smaller batch dimension, or use stepsPerJob=1 (stepsPerJob=1 runs one Spark job "
        + "per step; 0 chooses)", e.getMessage());
    assertSameFit(fit("batch=4", DType.FLOAT64, opt, null, 0, 1, new ArrayList<>()),
        fit("batch=4", DType.FLOAT64, opt, null, 0, 0, new ArrayList<>()), "automatic choice");
    // sharded variables run on the engine now (ShardedEngineFitTest); only the row-sparse pull is refused there
    assertSameFit(fit("batch=2,model=2", DType.FLOAT64, opt, null, 0, 1, new ArrayList<>()),
        fit("batch=2,model=2", DType.FLOAT64, opt, null, 0, 5, new ArrayList<>()), "sharded, explicit request");
  }

  /** Early stopping's validation after each epoch and checkpoints every 3 steps: jobs end at both, results equal. */
  @Test
  void jobsEndAtEpochsAndCheckpointsAndValidationSeesTheSameWeights(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) {
    EngineFits.EpochFits fits = EngineFits.fitsEndingAtEpochsAndCheckpoints("batch=2", dir);
    TrainingResult[] results = fits.results();
    StepJobs jobs = fits.jobs();
    assertSameFit(results[0], results[1], "early stopping and checkpoints");
    assertArrayEquals(results[0].validationLossHistory(), results[1].validationLossHistory(), 0.0);
    assertEquals(2, results[1].validationLossHistory().length, "after epoch 1 and after the last step");
    assertEquals(List.of("meshgrad steps 1-3/7", "meshgrad steps 4-4/7", "meshgrad steps 5-6/7",
        "meshgrad steps 7-7/7"), jobs.stepJobs());
  }
}
