package io.meshgrad.examples.bench;

import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.tensor.DType;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.mllib.linalg.Vector;
import org.apache.spark.mllib.linalg.Vectors;
import org.apache.spark.mllib.optimization.GradientDescent;
import org.apache.spark.mllib.optimization.LogisticGradient;
import org.apache.spark.mllib.optimization.SimpleUpdater;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * a9a logistic regression, time per step: meshgrad's Adagrad step (driver-held variables, one job)
 * against MLlib's {@code GradientDescent.runMiniBatchSGD} (LogisticGradient, SimpleUpdater) on
 * the same cached partitions, at full batch and at 1 % of the rows per step.
 *
 * <p>MLlib's time per step is the total time of one {@code runMiniBatchSGD} call that runs {@code
 * N} iterations divided by {@code N}; nothing is subtracted (so it includes the {@code count()} job
 * and the set-up that call runs once). Spark 4.0.1's loop runs {@code numIterations + 1}
 * iterations (bytecode: {@code i <= numIterations + 1}; its loss history has that length), so it is
 * called with {@code numIterations = N - 1}; dividing by the requested count would flatter meshgrad
 * by {@code (N+1)/N}. meshgrad's time per step is the time of {@code N} {@code minimize} calls
 * divided by {@code N}, from fresh zero weights and a fresh optimizer each repetition (set-up
 * outside the timer).
 */
final class StepVsMllibSuite implements Suite {
  static final BinaryLogisticLoss LOSS = new BinaryLogisticLoss();

  @Override
  public String name() {
    return "step-vs-mllib";
  }

  @Override
  public String description() {
    return "a9a logistic, ms per step: meshgrad Adagrad vs MLlib runMiniBatchSGD, full batch and 1 % batches";
  }

  @Override
  public List<CaseResult> run(BenchContext ctx) throws Exception {
    Dataset<Row> train = Fixtures.a9a(ctx, "a9a");
    List<CaseResult> out = new ArrayList<>();
    try (TrainingData data = TrainingData.from(train, "features", "label", null, ctx.partitions(),
        LOSS::validateLabel)) {
      JavaRDD<Tuple2<Object, Vector>> mllib = Fixtures.mllibRows(data);
      try {
        out.addAll(runCase(ctx, data, mllib, "full batch", 1.0, BatchPlan.fullBatch(data.rowsPerPartition()), 1.5,
            ctx.steps(2, 10, 30), false));
        int batch = (int) Math.round(0.01 * data.numRows());
        out.addAll(runCase(ctx, data, mllib, "1% batch", 0.01,
            BatchPlan.miniBatch(data.rowsPerPartition(), batch, 42L), 1.0, ctx.steps(2, 30, 60), true));
      } finally {
        mllib.unpersist(false);
      }
    }
    return out;
  }

  /** The target for the engine at 1 % batches: at least 10x MLlib's time per step. */
  static final double ENGINE_TARGET = 10.0;

  /**
   * The case of today's path (one job per step); with {@code withEngine} a second case, timed in
   * the same rounds against the same MLlib samples: the same model and steps on the engine, all
   * of a repetition's steps in one Spark job ({@code stepsPerJob} = the steps of a repetition).
   */
  private static List<CaseResult> runCase(BenchContext ctx, TrainingData data,
      JavaRDD<Tuple2<Object, Vector>> mllib, String name, double fraction, BatchPlan plan, double target, int steps,
      boolean withEngine) throws Exception {
    int reps = ctx.reps(1, 5, 10);
    int warmup = ctx.warmup(0, 3, 5);
    int dim = data.numFeatures() + 1;
    long[] mllibIterations = new long[1];
    SparkBytes.Snapshot[] peerSpark = new SparkBytes.Snapshot[1];
    SparkBytes.Snapshot[] meshSpark = new SparkBytes.Snapshot[1];
    String refusal = null;
    if (withEngine && ctx.runs("meshgrad")) {
      try (MeshgradModel probe = MeshgradModel.create(ctx.spark(), data, LOSS, plan, 1, DType.FLOAT32, 0.5, 0.0)) {
        refusal = probe.engine(ctx.jsc(), true).refusal();
      }
    }
    boolean engine = withEngine && refusal == null;
    List<Double> engineAll = new ArrayList<>();
    Measure.Samples s = Measure.alternate(ctx, name, warmup, reps,
        () -> {
          SparkBytes.Snapshot before = ctx.bytes().snapshot();
          long t0 = System.nanoTime();
          Tuple2<Vector, double[]> r = GradientDescent.runMiniBatchSGD(mllib.rdd(), new LogisticGradient(),
              new SimpleUpdater(), 1.0, steps - 1, 0.0, fraction, Vectors.zeros(dim), 0.0);
          double ms = Measure.millisSince(t0);
          mllibIterations[0] = r._2().length;
          peerSpark[0] = ctx.bytes().snapshot().minus(before);
          return ms / r._2().length;
        },
        () -> {
          try (MeshgradModel m = MeshgradModel.create(ctx.spark(), data, LOSS, plan, 1, DType.FLOAT32, 0.5, 0.0)) {
            SparkBytes.Snapshot before = ctx.bytes().snapshot();
            double ms = m.timeSteps(steps) / steps;
            meshSpark[0] = ctx.bytes().snapshot().minus(before);
            if (engine) {
              try (MeshgradModel e = MeshgradModel.create(ctx.spark(), data, LOSS, plan, 1, DType.FLOAT32, 0.5, 0.0)) {
                engineAll.add(e.engine(ctx.jsc(), false).timeSteps(steps, steps) / steps);
              }
            }
            return ms;
          }
        });
    List<CaseResult> out = new ArrayList<>();
    out.add(CaseResult.time(name, s.meshgradMedian(), s.peerMedian(), "MLlib GradientDescent.runMiniBatchSGD",
            "ms/step", target)
        .with("stepsPerRep", steps)
        .with("reps", reps)
        .with("warmupReps", warmup)
        .with("meshgradRowsPerStep", plan.rowsInStep(0))
        .with("peerMiniBatchFraction", fraction)
        .with("peerIterationsRun", mllibIterations[0])
        .with("peerNumIterationsArgument", steps - 1)
        .with("meshgradSetup", "Adagrad lr 0.5, float32, driver-held variables (batch=" + data.numPartitions()
            + "), " + plan)
        .with("peerTiming", "total runMiniBatchSGD time / iterations run (numIterations + 1 in Spark 4.0.1),"
            + " nothing subtracted (includes its count() job)")
        .withSpark("meshgrad", meshSpark[0], steps)
        .withSpark("peer", peerSpark[0], mllibIterations[0])
        .with("meshgradSamples", Measure.rounded(s.meshgrad()))
        .with("peerSamples", Measure.rounded(s.peer())));
    if (withEngine) {
      String engineName = name + ", engine (" + steps + " steps per job)";
      if (refusal != null) {
        out.add(EngineRunner.notSupported(engineName, "MLlib GradientDescent.runMiniBatchSGD", "ms/step",
            ENGINE_TARGET, refusal));
      } else {
        List<Double> recorded = EngineRunner.recorded(engineAll, warmup);
        out.add(EngineRunner.withJobPerStep(CaseResult.time(engineName, Measure.median(recorded), s.peerMedian(),
                "MLlib GradientDescent.runMiniBatchSGD", "ms/step", ENGINE_TARGET), s.meshgradMedian())
            .with("stepsPerRep", steps)
            .with("stepsPerJob", steps)
            .with("reps", reps)
            .with("meshgradSetup", "as the job-per-step case (a fresh model each repetition), on the engine"
                + " (StepEngine, stepsPerJob " + steps + "), timed in the same rounds right after it")
            .with("meshgradSamples", Measure.rounded(recorded))
            .with("peerSamples", Measure.rounded(s.peer())));
      }
    }
    return out;
  }
}
