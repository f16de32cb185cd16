package io.meshgrad.examples.bench;

import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.model.FactorizationMachine;
import io.meshgrad.model.VariableSpec;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.ModelLoss;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.classification.FMClassificationModel;
import org.apache.spark.ml.classification.FMClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Factorization machines, meshgrad's ({@link FactorizationMachine} with Adagrad, float32,
 * driver-held variables) against MLlib's {@code FMClassifier} (its defaults: AdamW, stepSize 1,
 * initStd 0.01; tol 0 so that it runs every step), factor size 8 on both sides:
 *
 * <ul>
 *   <li>ms per step at 1 % batches on a9a and on a9a's hashed pairwise crosses in {@code 2^22}
 *       dimensions ({@code 2^18} in {@code --quick}), each side timed as {@code (fit(2n) - fit(n)) /
 *       n} on the same cached data, so that what a fit does once (MLlib's count and conversion,
 *       meshgrad's variable set-up) cancels out; the crosses also with meshgrad's FM sharded on
 *       {@code model=2} (row-sparse pull), in the same rounds (full runs: n = 10 and 3 rounds
 *       there, as an MLlib step moves the whole 2^22 x 9 model);
 *   <li>seconds until a9a's test AUC reaches what MLlib's {@code FMClassifier} ends with (100
 *       full-batch steps): MLlib's fit time against meshgrad's {@code TrainingData.from} plus steps
 *       (full batch), the AUC checked after each step outside the timed region.
 * </ul>
 */
final class FmVsMllibSuite implements Suite {
  static final int FACTOR_SIZE = 8;
  static final double LEARNING_RATE = 0.5;
  static final double INIT_STD = 0.01;
  private static final BinaryLogisticLoss LOSS = new BinaryLogisticLoss();

  @Override
  public String name() {
    return "fm-vs-mllib";
  }

  @Override
  public String description() {
    return "factorization machines (k=8) vs MLlib FMClassifier: ms/step at 1 % batches (a9a, 2^22 crosses), "
        + "seconds to MLlib's a9a test AUC";
  }

  @Override
  public List<CaseResult> run(BenchContext ctx) throws Exception {
    boolean smoke = ctx.mode() == BenchContext.Mode.SMOKE;
    int bits = ctx.mode().pick(12, 18, SparseHighDimSuite.BITS);
    List<CaseResult> out = new ArrayList<>();
    Dataset<Row> a9a = Fixtures.a9a(ctx, "a9a");
    try (TrainingData data = TrainingData.from(a9a, "features", "label", null, ctx.partitions(),
        LOSS::validateLabel)) {
      Dataset<Row> frame = Fixtures.frame(ctx.spark(), data);
      try {
        out.add(stepCase(ctx, "a9a, 1% batch", data, frame, 1.5));
        Fixtures.TestSet test = new Fixtures.TestSet(Fixtures.a9a(ctx, "a9a.t").collectAsList());
        out.add(timeToAucCase(ctx, data, frame, test, smoke));
      } finally {
        frame.unpersist(false);
      }
    }
    Dataset<Row> crossed = SparseHighDimSuite.crossed(ctx, a9a, bits);
    try (TrainingData data = TrainingData.from(crossed, "features", "label", null, ctx.partitions(),
        LOSS::validateLabel)) {
      crossed.unpersist(false);
      Dataset<Row> frame = Fixtures.frame(ctx.spark(), data);
      try {
        for (CaseResult c : stepCases(ctx, "2^" + bits + " hashed crosses, 1% batch", data, frame, 10.0, true,
            10, 3)) {
          out.add(c.with("dimensions", data.numFeatures()));
        }
      } finally {
        frame.unpersist(false);
      }
    }
    return out;
  }

  private static FMClassifier mllib(int steps, double fraction) {
    return new FMClassifier().setFactorSize(FACTOR_SIZE).setMaxIter(steps).setMiniBatchFraction(fraction)
        .setTol(0.0).setSeed(42L);
  }

  private static FactorizationMachine model(int numFeatures) {
    return new FactorizationMachine(numFeatures, FACTOR_SIZE, true, true, INIT_STD, LOSS);
  }

  /**
   * meshgrad's FM as {@code MeshTrainer} sets it up on a batch-only mesh (driver-held variables,
   * optimizer built), to be stepped one {@code minimize} at a time.
   */
  private static final class Stepper implements AutoCloseable {
    final FactorizationMachine fm;
    final ModelLoss objective;
    final Adagrad optimizer = Adagrad.builder().learningRate(LEARNING_RATE).build();
    final List<Variable> vars = new ArrayList<>();

    Stepper(TrainingData data, BatchPlan plan) {
      fm = model(data.numFeatures());
      objective = new ModelLoss(data, fm, plan, 0.0);
      objective.bindSteps(optimizer);
      List<VariableSpec> specs = fm.variables();
      for (int v = 0; v < specs.size(); v++) {
        VariableSpec spec = specs.get(v);
        vars.add(new Variable(spec.name(), Tensor.fromDoubles(DType.FLOAT32,
            spec.initializer().values(spec.shape(), 42L + v), spec.shape())));
      }
      optimizer.build(vars);
    }

    /** Runs {@code n} steps and returns the milliseconds they took. */
    double timeSteps(int n) {
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        optimizer.minimize(objective, vars);
      }
      return Measure.millisSince(t0);
    }

    /** This model's steps on the engine (see {@link EngineRunner#start}). */
    EngineRunner engine(org.apache.spark.api.java.JavaSparkContext jsc, boolean probe) {
      return EngineRunner.start(jsc, objective, optimizer, vars, probe);
    }

    double[][] weights() {
      double[][] w = new double[vars.size()][];
      for (int v = 0; v < w.length; v++) {
        w[v] = vars.get(v).read().toDoubleArray();
      }
      return w;
    }

    @Override
    public void close() {
      objective.close();
    }
  }

  private static CaseResult stepCase(BenchContext ctx, String name, TrainingData data, Dataset<Row> frame,
      double target) throws Exception {
    return stepCases(ctx, name, data, frame, target, false, 20, 5).get(0);
  }

  /**
   * ms per step at 1 % batches against MLlib's; with {@code alsoSharded} a second case times the
   * same model on {@code batch=P,model=2} (its factor matrix and linear weights on the row-sparse
   * pull) in the same rounds, against the same MLlib samples.
   */
  private static List<CaseResult> stepCases(BenchContext ctx, String name, TrainingData data, Dataset<Row> frame,
      double target, boolean alsoSharded, int fullSteps, int fullReps) throws Exception {
    int n = ctx.steps(2, 10, fullSteps);
    int reps = ctx.reps(1, 3, fullReps);
    int warmup = ctx.warmup(0, 1, 1);
    int batch = (int) Math.max(1, Math.round(0.01 * data.numRows()));
    int[] fallbacks = new int[1];
    Measure.Samples s;
    double firstSteps;
    double shardedFirstSteps = Double.NaN;
    List<Double> shardedAll = new ArrayList<>();
    boolean pulled = false;
    String shardedMesh = "batch=" + data.numPartitions() + ",model=2";
    BatchPlan plan = BatchPlan.miniBatch(data.rowsPerPartition(), batch, 42L);
    try (BenchCheckpoints checkpoints = BenchCheckpoints.ensure(ctx.spark().sparkContext());
        Stepper m = new Stepper(data, plan);
        ShardedFmModel sharded = alsoSharded
            ? ShardedFmModel.create(ctx.spark(), data, plan, 2, FACTOR_SIZE, LEARNING_RATE) : null) {
      firstSteps = ctx.runs("meshgrad") ? m.timeSteps(SparseHighDimSuite.FIRST_STEPS) / SparseHighDimSuite.FIRST_STEPS
          : Double.NaN;
      if (sharded != null && ctx.runs("meshgrad")) {
        shardedFirstSteps = sharded.timeSteps(SparseHighDimSuite.FIRST_STEPS) / SparseHighDimSuite.FIRST_STEPS;
        pulled = sharded.pullsEveryShardedVariable();
      }
      s = Measure.alternate(ctx, name, warmup, reps,
          () -> {
            long t0 = System.nanoTime();
            mllib(n, 0.01).fit(frame);
            double one = Measure.millisSince(t0);
            t0 = System.nanoTime();
            mllib(2 * n, 0.01).fit(frame);
            double two = Measure.millisSince(t0);
            if (two <= one) { // noise larger than n steps (tiny smoke runs): the whole fit's mean instead
              fallbacks[0]++;
              return two / (2 * n);
            }
            return (two - one) / n;
          },
          () -> {
            if (sharded != null) {
              shardedAll.add(sharded.timeSteps(n) / n);
            }
            return m.timeSteps(n) / n;
          });
    }
    List<CaseResult> out = new ArrayList<>();
    out.add(CaseResult.time(alsoSharded ? name + ", driver-held" : name, s.meshgradMedian(), s.peerMedian(),
            "MLlib FMClassifier (AdamW, k=8)", "ms/step", target)
        .with("rowsPerStep", Math.round(0.01 * data.numRows()) + " (meshgrad); Bernoulli 1% sample (MLlib)")
        .with("timing", "MLlib: (fit(2n) - fit(n)) / n, n = " + n + " (what a fit does once cancels out);"
            + " meshgrad: n steps (optimizer.minimize over ModelLoss) / n of one model per case, after its first "
            + SparseHighDimSuite.FIRST_STEPS + " steps; FactorizationMachine, Adagrad lr " + LEARNING_RATE
            + ", float32, driver-held variables")
        .with("meshgradFirstStepsMsPerStep", Measure.round4(firstSteps))
        .with("peerFallbacksToWholeFitMean", fallbacks[0])
        .with("meshgradSamples", Measure.rounded(s.meshgrad()))
        .with("peerSamples", Measure.rounded(s.peer())));
    if (alsoSharded) {
      List<Double> recorded = shardedAll.subList(Math.min(warmup, shardedAll.size()), shardedAll.size());
      CaseResult c = CaseResult.time(name + ", sharded " + shardedMesh + " (row pull)",
              recorded.isEmpty() ? Double.NaN : Measure.median(recorded), s.peerMedian(),
              "MLlib FMClassifier (AdamW, k=8)", "ms/step", target)
          .with("timing", "as the driver-held case, in the same rounds (right before it) and against the same MLlib"
              + " samples; ShardedFmModel: variables generated on their shards (the driver-held model's values),"
              + " checkpoint directory set")
          .with("meshgradPullsRows", pulled)
          .with("meshgradFirstStepsMsPerStep", Measure.round4(shardedFirstSteps))
          .with("meshgradSamples", Measure.rounded(recorded))
          .with("peerSamples", Measure.rounded(s.peer()));
      if (ctx.runs("meshgrad") && !pulled) {
        c.missed("the sharded model did not take the row-sparse pull");
      }
      out.add(c);
      out.addAll(engineCases(ctx, name, data, plan, warmup, reps, s, Measure.median(recorded)));
    }
    return out;
  }

  /** The target for the engine on the 2^22 crosses, sharded: at least 300x MLlib's time per step. */
  static final double ENGINE_SHARDED_TARGET = 300.0;

  /**
   * The same FM on the engine, driver-held and sharded ({@code model=2}), after the job-per-step
   * models are closed (two more 2^22 x 9 models at once would not fit the bench's heap), against
   * the MLlib samples of the same run: each repetition times {@code n} steps in one job after a
   * first probe step; "not supported" with the engine's reason where it refuses the variables.
   */
  private static List<CaseResult> engineCases(BenchContext ctx, String name, TrainingData data, BatchPlan plan,
      int warmup, int reps, Measure.Samples jobPerStep, double shardedJobPerStepMs) throws Exception {
    int n = ctx.steps(2, 30, 100);
    String peerName = "MLlib FMClassifier (AdamW, k=8)";
    List<CaseResult> out = new ArrayList<>();
    String shardedMesh = "batch=" + data.numPartitions() + ",model=2";
    for (boolean sharded : new boolean[] {false, true}) {
      String caseName = name + (sharded ? ", sharded " + shardedMesh : ", driver-held") + ", engine (" + n
          + " steps per job)";
      double target = sharded ? ENGINE_SHARDED_TARGET : 10.0;
      if (!ctx.runs("meshgrad")) {
        continue;
      }
      List<Double> all = new ArrayList<>();
      String refusal;
      try (BenchCheckpoints checkpoints = BenchCheckpoints.ensure(ctx.spark().sparkContext());
          Stepper held = sharded ? null : new Stepper(data, plan);
          ShardedFmModel shardedModel = sharded
              ? ShardedFmModel.create(ctx.spark(), data, plan, 2, FACTOR_SIZE, LEARNING_RATE) : null) {
        EngineRunner engine = sharded ? shardedModel.engine(ctx.jsc(), true) : held.engine(ctx.jsc(), true);
        refusal = engine.refusal();
        for (int round = 0; refusal == null && round < warmup + reps; round++) {
          double ms = engine.timeSteps(n, n) / n;
          all.add(ms);
          ctx.log("%s: %s %d  engine %s ms/step", caseName, round < warmup ? "warm-up" : "rep", round + 1,
              Measure.fmt(ms));
        }
      }
      if (refusal != null) {
        out.add(EngineRunner.notSupported(caseName, peerName, "ms/step", target, refusal)
            .with("meshgradMesh", sharded ? shardedMesh : "batch=" + data.numPartitions()));
        continue;
      }
      List<Double> recorded = EngineRunner.recorded(all, warmup);
      out.add(EngineRunner.withJobPerStep(CaseResult.time(caseName, Measure.median(recorded),
              jobPerStep.peerMedian(), peerName, "ms/step", target),
              sharded ? shardedJobPerStepMs : jobPerStep.meshgradMedian())
          .with("stepsPerRep", n)
          .with("stepsPerJob", n)
          .with("timing", "a fresh model of the same settings on the engine (StepEngine) after the job-per-step"
              + " models are closed; one probe step, then each repetition times " + n + " steps in one job;"
              + " against the MLlib samples of the job-per-step cases")
          .with("meshgradSamples", Measure.rounded(recorded))
          .with("peerSamples", Measure.rounded(jobPerStep.peer())));
    }
    return out;
  }

  private record MeshgradRun(double setupMs, double stepsMs, int steps, double auc) {}

  private static CaseResult timeToAucCase(BenchContext ctx, TrainingData data, Dataset<Row> frame,
      Fixtures.TestSet test, boolean smoke) throws Exception {
    int peerSteps = smoke ? 2 : 100;
    int maxSteps = smoke ? 5 : 1000;
    int reps = ctx.reps(1, 3, 5);
    int warmup = ctx.warmup(0, 1, 1);
    double[] peerAuc = new double[1];
    MeshgradRun[] last = new MeshgradRun[1];
    List<Integer> stepCounts = new ArrayList<>();
    String name = "a9a, seconds to MLlib's test AUC";
    Measure.Samples s = Measure.alternate(ctx, name, warmup, reps,
        () -> {
          long t0 = System.nanoTime();
          FMClassificationModel m = mllib(peerSteps, 1.0).fit(frame);
          double sec = Measure.millisSince(t0) / 1000;
          peerAuc[0] = test.auc(x -> m.predictRaw(x).apply(1));
          return sec;
        },
        () -> {
          MeshgradRun r = meshgradToAuc(ctx, frame, test, peerAuc[0], maxSteps, smoke);
          last[0] = r;
          stepCounts.add(r.steps());
          return (r.setupMs() + r.stepsMs()) / 1000;
        });
    MeshgradRun r = last[0] != null ? last[0] : new MeshgradRun(0, 0, 0, Double.NaN);
    CaseResult c = CaseResult.time(name, s.meshgradMedian(), s.peerMedian(),
            "MLlib FMClassifier.fit (" + peerSteps + " full-batch steps, AdamW, k=8)", "s", 2.0)
        .with("targetAuc", Measure.round4(peerAuc[0]))
        .with("meshgradAuc", Measure.round4(r.auc()))
        .with("meshgradSteps", stepCounts.subList(Math.min(warmup, stepCounts.size()), stepCounts.size()))
        .with("meshgradSetup", "Adagrad lr " + LEARNING_RATE + ", initStd " + INIT_STD + ", float32, full batch,"
            + " driver-held; timed: TrainingData.from(cached DataFrame) + steps; test AUC after each step, untimed")
        .with("meshgradSamples", Measure.rounded(s.meshgrad()))
        .with("peerSamples", Measure.rounded(s.peer()));
    if (last[0] != null && r.auc() < peerAuc[0]) {
      c.missed("meshgrad stopped at " + maxSteps + " steps with test AUC " + r.auc() + " < " + peerAuc[0]);
    }
    return c;
  }

  /** Full-batch steps, one at a time, until the test AUC reaches {@code target}. */
  private static MeshgradRun meshgradToAuc(BenchContext ctx, Dataset<Row> frame, Fixtures.TestSet test,
      double target, int maxSteps, boolean smoke) {
    long t0 = System.nanoTime();
    try (TrainingData data = TrainingData.from(frame, "features", "label", null, ctx.partitions(),
        LOSS::validateLabel)) {
      try (Stepper m = new Stepper(data, BatchPlan.fullBatch(data.rowsPerPartition()))) {
        double setup = Measure.millisSince(t0);
        double steps = 0;
        int n = 0;
        double auc = 0;
        while (n < maxSteps && (auc < target || smoke && n == 0)) {
          steps += m.timeSteps(1);
          n++;
          double[][] w = m.weights();
          auc = test.auc(x -> m.fm.outputs(x, w)[0]);
        }
        return new MeshgradRun(setup, steps, n, auc);
      }
    }
  }

  /** The area under the ROC curve of {@code scores} for 0/1 {@code labels} (ties count half). */
  static double auc(double[] scores, double[] labels) {
    Integer[] order = new Integer[scores.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
    double rankSumPositive = 0;
    long positives = 0;
    int i = 0;
    while (i < order.length) {
      int j = i;
      while (j + 1 < order.length && scores[order[j + 1]] == scores[order[i]]) {
        j++;
      }
      double midRank = (i + j) / 2.0 + 1;
      for (int t = i; t <= j; t++) {
        if (labels[order[t]] == 1.0) {
          rankSumPositive += midRank;
          positives++;
        }
      }
      i = j + 1;
    }
    long negatives = scores.length - positives;
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    return (rankSumPositive - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
  }

  /** A row's score (a margin). */
  @FunctionalInterface
  interface Scorer {
    double score(Vector features);
  }
}
