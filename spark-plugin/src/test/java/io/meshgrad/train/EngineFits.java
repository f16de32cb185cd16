package io.meshgrad.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshgrad.Datasets;
import io.meshgrad.SparkTestSession;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.model.BlockModel;
import io.meshgrad.model.LinearModel;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.tensor.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/**
 * What the engine's fit tests ({@link EngineFitTest}, {@link ShardedEngineFitTest}) share: a
 * {@link MeshTrainer} fit of a9a, the check that the engine's fit is the job-per-step path's bit
 * for bit, and fits that end jobs at epochs and checkpoints.
 */
final class EngineFits {
  static final BlockLoss LOSS = new BinaryLogisticLoss();
  static final int STEPS = 7;

  private EngineFits() {}

  /** A fit for {@code stepsPerJob} that tells which steps it took: {@link #fit}'s other parameters fixed. */
  @FunctionalInterface
  interface Fit {
    TrainingResult run(int stepsPerJob, List<Long> stepsSeen);
  }

  /** Fails when the shared session still caches an RDD (a fit must release what it cached). */
  static void assertNoCachedRdd() {
    SparkSession spark = SparkTestSession.get();
    assertEquals(0, spark.sparkContext().getPersistentRDDs().size(),
        "training left cached RDDs: " + spark.sparkContext().getPersistentRDDs());
  }

  /**
   * {@link #STEPS} steps on a9a over {@code mesh} in batches of 512 (seed 7, regParam 0.01), of
   * {@code model} (a linear model when null), {@code stepsPerJob} as {@link
   * MeshTrainer.Controls#withStepsPerJob}; adds each step the listener hears of to {@code stepsSeen}.
   */
  static TrainingResult fit(String mesh, DType dtype, Supplier<Optimizer> optimizer, BlockModel model, double tol,
      int checkpointInterval, int stepsPerJob, List<Long> stepsSeen) {
    SparkSession spark = SparkTestSession.get();
    Mesh m = Mesh.parse(mesh);
    try (TrainingData data = TrainingData.from(Datasets.a9a(spark, "a9a"), "features", "label", null,
        m.batchSize(), LOSS::validateLabel)) {
      MeshTrainer.Settings s =
          new MeshTrainer.Settings(m, dtype, STEPS, 0, 512, 7L, true, 0.01, tol, 2, checkpointInterval);
      MeshTrainer.Controls c = MeshTrainer.Controls.none().withStepsPerJob(stepsPerJob);
      StepListener listener = (step, total, epoch, loss) -> stepsSeen.add(step);
      return MeshTrainer.fit(spark, data, model == null ? new LinearModel(LOSS, data.numFeatures(), true) : model,
          optimizer.get(), s, c, listener);
    }
  }

  /** Asserts the same weights, loss history and steps. */
  static void assertSameFit(TrainingResult jobPerStep, TrainingResult engine, String what) {
    assertEquals(jobPerStep.weights(), engine.weights(), what + ": weights");
    assertArrayEquals(jobPerStep.lossHistory(), engine.lossHistory(), 0.0, what + ": loss history");
    assertEquals(jobPerStep.steps(), engine.steps(), what + ": steps");
  }

  /**
   * Asserts that {@code fit} with 3 steps per job is its job-per-step fit bit for bit, that the
   * listener hears of the same steps, and that it ran one job per 3 steps.
   */
  static void compare(String what, DType dtype, Fit fit) {
    List<Long> reference = new ArrayList<>();
    List<Long> engineSteps = new ArrayList<>();
    TrainingResult a = fit.run(1, reference);
    StepJobs jobs = StepJobs.watch();
    TrainingResult b;
    try {
      b = fit.run(3, engineSteps);
    } finally {
      jobs.stop();
    }
    assertSameFit(a, b, what + " " + dtype);
    assertEquals(reference, engineSteps, what + ": the listener hears of every step, in order");
    assertEquals(List.of("meshgrad steps 1-3/7", "meshgrad steps 4-6/7", "meshgrad steps 7-7/7"), jobs.stepJobs(),
        what + ": one job per 3 steps");
  }

  /** Two fits that end jobs at epochs and checkpoints, and the step jobs of the second (the engine's). */
  record EpochFits(TrainingResult[] results, StepJobs jobs) {}

  /**
   * {@link #STEPS} steps (float64) of a linear model on a9a over {@code mesh} in batches of 8192 (4
   * steps an epoch), with early stopping's validation on a9a.t after each epoch and optimizer
   * checkpoints every 3 steps under {@code dir}: one step per job, then up to 100.
   */
  static EpochFits fitsEndingAtEpochsAndCheckpoints(String mesh, Path dir) {
    SparkSession spark = SparkTestSession.get();
    Mesh m = Mesh.parse(mesh);
    TrainingResult[] results = new TrainingResult[2];
    StepJobs jobs = null;
    try (TrainingData data = TrainingData.from(Datasets.a9a(spark, "a9a"), "features", "label", null, 2,
            LOSS::validateLabel);
        TrainingData validation = TrainingData.from(Datasets.a9a(spark, "a9a.t"), "features", "label", null, 2,
            LOSS::validateLabel)) {
      for (int k = 0; k < 2; k++) {
        // 32561 rows in batches of 8192: 4 steps an epoch
        MeshTrainer.Settings s = new MeshTrainer.Settings(m, DType.FLOAT64, STEPS, 0, 8192, 7L, true, 0.0, 0.0, 2, 10);
        MeshTrainer.Controls c = new MeshTrainer.Controls(NonFiniteGradient.PROPAGATE,
            new EarlyStopping(validation, 5, 0.0),
            new io.meshgrad.checkpoint.CheckpointPolicy(dir.resolve("k" + k).toString(), 3, 2, false))
            .withStepsPerJob(k == 0 ? 1 : 100);
        if (k == 1) {
          jobs = StepJobs.watch();
        }
        try {
          results[k] = MeshTrainer.fit(spark, data, new LinearModel(LOSS, data.numFeatures(), true),
              Adagrad.builder().learningRate(0.5).useEma(true).build(), s, c, null);
        } finally {
          if (jobs != null) {
            jobs.stop();
          }
        }
      }
    }
    return new EpochFits(results, jobs);
  }
}
