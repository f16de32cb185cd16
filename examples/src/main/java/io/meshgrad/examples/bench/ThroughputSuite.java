package io.meshgrad.examples.bench;

import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.PartitionRows;
import io.meshgrad.data.SyntheticClicks;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.model.BlockModel;
import io.meshgrad.model.FactorizationMachine;
import io.meshgrad.model.LinearModel;
import io.meshgrad.model.VariableSpec;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.ModelLoss;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Training rows per second on {@link SyntheticClicks} (20 one-hot fields hashed into {@code 2^22}
 * features, logistic labels from the planted FM), one epoch at batches of 4096 and 16384: a
 * logistic linear model and an FM (k=4), float32, Adagrad, meshgrad on the engine ({@code
 * stepsPerJob} 100, driver-held variables on {@code batch=P}) against a single-threaded plain-Java
 * loop over the same rows held in this process ({@link InMemoryLoss}: the same batches, the same
 * model block loss, the same objective gradient, the same Adagrad on {@link Variable}s) — the
 * machine's limit for one core. The target: meshgrad at least 1.0x the loop.
 *
 * <p>Each side trains a fresh model from the same initial values (zeros for the linear model, the
 * FM's initializer with seed 42 + variable index) for one epoch; the time is that of the epoch's
 * steps only (the data cached before, the model built before). Before the timed rounds, the first
 * {@value #CHECKED_STEPS} losses of both sides are compared (they must agree to 1e-6 relative: the
 * same arithmetic, summed in another order): {@code firstLossesAgree}.
 */
final class ThroughputSuite implements Suite {
  static final int FIELDS = 20;
  static final int FACTOR_SIZE = 4;
  static final double LEARNING_RATE = 0.05;
  static final int STEPS_PER_JOB = 100;
  static final int CHECKED_STEPS = 3;
  static final double LOSS_TOLERANCE = 1e-6;
  private static final BinaryLogisticLoss LOSS = new BinaryLogisticLoss();

  @Override
  public String name() {
    return "throughput";
  }

  @Override
  public String description() {
    return "SyntheticClicks 2^22, one epoch, rows/s: meshgrad on the engine (local[2]) vs a one-thread plain-Java"
        + " Adagrad loop over the same rows in memory";
  }

  @Override
  public List<String> caseGroups() {
    return List.of("linear", "fm");
  }

  @Override
  public List<CaseResult> run(BenchContext ctx) throws Exception {
    int bits = ctx.mode().pick(12, 22, 22);
    long rows = ctx.rows(2000, 200_000, 1_000_000);
    int[] batches = ctx.mode() == BenchContext.Mode.SMOKE ? new int[] {64, 256} : new int[] {4096, 16384};
    SyntheticClicks clicks = SyntheticClicks.builder().seed(1).hashBits(bits).fields(FIELDS).build();
    Dataset<Row> frame = clicks.dataFrame(ctx.spark(), rows, ctx.partitions());
    List<CaseResult> out = new ArrayList<>();
    long t0 = System.nanoTime();
    try (TrainingData data = TrainingData.from(frame, "features", "label", null, ctx.partitions(),
        LOSS::validateLabel)) {
      List<PartitionRows> inMemory = new ArrayList<>(data.rdd().collect());
      inMemory.sort(Comparator.comparingInt(PartitionRows::partition));
      ctx.log("throughput: %d rows, 2^%d features, %d fields, cached and collected in %.1f s", data.numRows(), bits,
          FIELDS, Measure.millisSince(t0) / 1000);
      for (String group : caseGroups()) {
        if (!ctx.runsCases(group)) {
          continue;
        }
        for (int batch : batches) {
          out.add(runCase(ctx, data, inMemory, group, Math.min(batch, (int) data.numRows())));
        }
      }
    }
    return out;
  }

  private static BlockModel model(String group, int numFeatures) {
    return group.equals("fm")
        ? new FactorizationMachine(numFeatures, FACTOR_SIZE, true, true, 0.01, LOSS)
        : new LinearModel(LOSS, numFeatures, true);
  }

  /** A fresh model's variables at their initial values (seed 42 + index) and a fresh Adagrad, built. */
  private record Fresh(List<Variable> vars, Adagrad optimizer) {
    static Fresh of(BlockModel model) {
      List<Variable> vars = new ArrayList<>();
      List<VariableSpec> specs = model.variables();
      for (int v = 0; v < specs.size(); v++) {
        VariableSpec spec = specs.get(v);
        vars.add(new Variable(spec.name(), Tensor.fromDoubles(DType.FLOAT32,
            spec.initializer().values(spec.shape(), 42L + v), spec.shape())));
      }
      Adagrad opt = Adagrad.builder().learningRate(LEARNING_RATE).build();
      opt.build(vars);
      return new Fresh(vars, opt);
    }
  }

  private static CaseResult runCase(BenchContext ctx, TrainingData data, List<PartitionRows> inMemory, String group,
      int batch) throws Exception {
    BatchPlan plan = BatchPlan.miniBatch(data.rowsPerPartition(), batch, 42L);
    int steps = (int) plan.stepsPerEpoch();
    long epochRows = 0;
    for (int s = 0; s < steps; s++) {
      epochRows += plan.rowsInStep(s);
    }
    long rowsPerEpoch = epochRows;
    BlockModel model = model(group, data.numFeatures());
    String name = (group.equals("fm") ? "FM k=" + FACTOR_SIZE : "linear (logistic)") + ", batch " + batch;
    int reps = ctx.reps(1, 3, 5);
    int warmup = ctx.warmup(0, 1, 1);
    String refusal;
    double[] meshLosses = new double[CHECKED_STEPS];
    double[] loopLosses = new double[CHECKED_STEPS];
    int checked = Math.min(CHECKED_STEPS, steps);
    // the sanity check: the first steps of both sides, outside the timed rounds
    try (ModelLoss loss = new ModelLoss(data, model, plan, 0.0)) {
      Fresh m = Fresh.of(model);
      loss.bindSteps(m.optimizer());
      EngineRunner engine = EngineRunner.start(ctx.jsc(), loss, m.optimizer(), m.vars(), false);
      refusal = engine.refusal();
      if (refusal == null) {
        engine.timeSteps(checked, checked);
        for (int i = 0; i < checked; i++) {
          meshLosses[i] = engine.losses().get(i);
        }
      }
    }
    Fresh l = Fresh.of(model);
    InMemoryLoss loopLoss = new InMemoryLoss(model, inMemory, plan, l.optimizer());
    for (int i = 0; i < checked; i++) {
      loopLosses[i] = l.optimizer().minimize(loopLoss, l.vars());
    }
    if (refusal != null) {
      return EngineRunner.notSupported(name, "one-thread plain-Java Adagrad loop over the rows in memory", "rows/s",
          1.0, refusal);
    }
    boolean agree = true;
    for (int i = 0; i < checked; i++) {
      agree &= Math.abs(meshLosses[i] - loopLosses[i]) <= LOSS_TOLERANCE * Math.max(1, Math.abs(loopLosses[i]));
    }
    Measure.Samples s = Measure.alternate(ctx, name, warmup, reps,
        () -> {
          Fresh f = Fresh.of(model);
          InMemoryLoss ll = new InMemoryLoss(model, inMemory, plan, f.optimizer());
          long t0 = System.nanoTime();
          for (int i = 0; i < steps; i++) {
            f.optimizer().minimize(ll, f.vars());
          }
          return rowsPerEpoch / (Measure.millisSince(t0) / 1000);
        },
        () -> {
          try (ModelLoss loss = new ModelLoss(data, model, plan, 0.0)) {
            Fresh f = Fresh.of(model);
            loss.bindSteps(f.optimizer());
            EngineRunner engine = EngineRunner.start(ctx.jsc(), loss, f.optimizer(), f.vars(), false);
            double ms = engine.timeSteps(steps, STEPS_PER_JOB);
            return rowsPerEpoch / (ms / 1000);
          }
        });
    CaseResult c = CaseResult.rate(name, s.meshgradMedian(), s.peerMedian(),
            "one-thread plain-Java Adagrad loop over the rows in memory", "rows/s", 1.0)
        .with("rows", data.numRows())
        .with("features", data.numFeatures())
        .with("fields", FIELDS)
        .with("batch", batch)
        .with("stepsPerEpoch", steps)
        .with("rowsPerEpoch", rowsPerEpoch)
        .with("stepsPerJob", STEPS_PER_JOB)
        .with("meshgradMesh", "batch=" + data.numPartitions())
        .with("meshgradSetup", "Adagrad lr " + LEARNING_RATE + ", float32, driver-held variables on the engine"
            + " (StepEngine, " + STEPS_PER_JOB + " steps per job); timed: the epoch's steps (data cached before)")
        .with("peerSetup", "InMemoryLoss + Adagrad.minimize in this thread: the same batches (BatchPlan, seed 42),"
            + " BlockModel.accumulate on the blocks renumbered onto their touched rows, ObjectiveGradient, Adagrad's"
            + " sparse update; timed: the epoch's steps (rows collected before)")
        .with("firstLossesMeshgrad", toList(meshLosses, checked))
        .with("firstLossesLoop", toList(loopLosses, checked))
        .with("firstLossesAgree", agree)
        .with("reps", reps)
        .with("meshgradSamples", Measure.rounded(s.meshgrad()))
        .with("peerSamples", Measure.rounded(s.peer()));
    if (!agree) {
      c.missed("the first " + checked + " losses differ beyond " + LOSS_TOLERANCE + " relative: not the same"
          + " arithmetic");
    }
    return c;
  }

  private static List<Double> toList(double[] v, int n) {
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(v[i]);
    }
    return out;
  }
}
