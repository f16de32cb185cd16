package io.meshgrad.examples.bench;

import io.meshgrad.data.BatchPlan;
import io.meshgrad.data.SyntheticClicks;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.LeastSquaresLoss;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.SparkContext;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * float32 models of growing size on meshes {@code model=1} (driver-held variables, as {@code
 * MeshTrainer} does it), 2 and 4 (sharded {@code DVariable}s): time per step, peak heap and bytes
 * moved. The data is small so that the model dominates: 2000 rows of 10 random non-zeros spread
 * over the dimension, least squares, full batch, from small random coefficients and with L2
 * ({@code regParam 1e-4}), so that every coefficient's gradient is non-zero, every step is a dense
 * update of all parameters and the broadcast weights do not compress away.
 *
 * <p>Each case first runs 10 untimed steps (MeshRuntime's checkpoint interval: until then a
 * sharded state's lineage still holds its initial values, which every task ships; their time is
 * reported as {@code firstStepsMsPerStep}), then times repetitions of a few steps.
 *
 * <p>The peer of a case is linear scaling from the smallest model on the same mesh: {@code
 * t(smallest) * params / smallest}. The target, step time growing at most linearly ({@code 10x}
 * parameters in at most {@code 12x} the time), is a ratio of at least {@code 1/1.2}. Sizes whose
 * predicted peak heap ({@link #BYTES_PER_PARAM} per parameter) exceeds 90 % of the max heap
 * are skipped and reported as such.
 *
 * <p><b>Sparse cases</b> (sharded only): the same kind of rows, ten times as many, 1 % batches and
 * no L2, so each step's gradient is the few rows its batch touches and Adagrad's sparse path
 * updates only those. What a shard update writes ({@code shardBytesWrittenPerStep}, the
 * copy-on-write chunks the touched rows fall in) is reported against the whole state; the target
 * is a step growing with the rows touched, not with the dimension: at most twice the smallest
 * sparse model's step on the same mesh.
 *
 * <p><b>FM cases</b> (the 2^22, 2^24 and 2^26 rows x 16 factors on {@code model=4} and
 * {@code 8}; smaller in {@code --quick} and {@code --smoke}): a factorization machine whose factor
 * table and linear weights are generated on their shards and pulled by rows ({@link
 * ShardedFmModel}), on 20000 rows of {@code SyntheticClicks} (16 fields hashed into the table's
 * rows), 1 % batches, so the data is small and the model dominates. Reported: the step time (target:
 * at most twice the smallest table's step on the same mesh, i.e. it grows with the rows a batch
 * touches, not with the rows of the table), the most bytes the driver's runtime retains for the
 * model after a step ({@code MeshRuntime.retainedBytes()}, target under 64 MiB) and the executors'
 * state bytes. A size whose predicted heap ({@link #FM_BYTES_PER_PARAM} per parameter) does not fit
 * is skipped with the bytes it needs against the max heap.
 *
 * <p><b>FM engine cases</b> (issue 21; {@code --quick} and the full run, not {@code --smoke}):
 * each FM table and mesh again on the many-steps-per-job engine ({@code ..., engine (K steps per
 * job)}, {@link EngineRunner}), listed after the job path's cases: the step time against twice the
 * smallest table's engine step on the same mesh (flat in d) with the job path's step of the same
 * run beside it, and a second row ({@code ..., driver retains}) with the most bytes the driver's
 * runtime retains after a job against the 64 MiB bound.
 */
final class ScaleSuite implements Suite {
  static final int NON_ZEROS = 10;
  static final double REG_PARAM = 1e-4;
  static final LeastSquaresLoss LOSS = new LeastSquaresLoss();
  /**
   * Heap a driver-held step needs per parameter in local mode, above the peaks measured at 10M
   * (weights, the shipped copy and its broadcast, the executors' double copy, dense gradient sums
   * per data task, serialized results): used to skip sizes that cannot fit instead of dying of
   * OutOfMemoryError.
   */
  static final double BYTES_PER_PARAM = 150;
  /**
   * The same on a model mesh, where the driver also keeps the weight bases shipped since the last
   * lineage cut (every step ships a new float32 base when all weights change) for recovery.
   */
  static final double BYTES_PER_PARAM_SHARDED = 300;

  /** Factors per feature of the FM cases (the 2^k x 16 tables). */
  static final int FM_FACTORS = 16;
  /** Rows of synthetic clicks of the FM cases: a 1 % batch is 200 rows, touching at most 200 x FM_FIELDS rows of V. */
  static final int FM_ROWS = 20_000;
  /** Categorical fields per synthetic click row. */
  static final int FM_FIELDS = 16;
  static final BinaryLogisticLoss FM_LOSS = new BinaryLogisticLoss();
  /**
   * Heap an FM case needs per parameter in local mode: float32 weights and accumulator (8), the
   * copy-on-write chunks' array headers and chunk tables of the state versions alive at once, and
   * the live state while the next one is built; used to skip sizes that cannot fit.
   */
  static final double FM_BYTES_PER_PARAM = 10;
  /**
   * The FM state's element data per parameter, float32 weights and accumulator, and the 16-byte
   * header of each 512-byte chunk array (3 %), as Spark's size estimate sees it.
   */
  static final double FM_STATE_BYTES_PER_PARAM = 8 * (1 + 16.0 / 512);
  /** The bound on what the driver retains for a sharded model per step. */
  static final long DRIVER_RETAINED_TARGET = 64L << 20;

  /** The FM tables' rows (log2) with {@code --quick}. */
  static final int[] FM_QUICK_BITS = {18, 20};
  /** Steps per engine job of the FM tables' engine cases with {@code --quick} (one job per repetition). */
  static final int FM_ENGINE_QUICK_STEPS = 30;
  /** The same in the full run (as the other suites' engine cases). */
  static final int FM_ENGINE_FULL_STEPS = 100;

  /** Rows of the sparse cases: a 1 % batch touches about {@code rows / 100 * NON_ZEROS} coefficients. */
  static final int SPARSE_ROWS = 20_000;

  @Override
  public String name() {
    return "scale";
  }

  @Override
  public String description() {
    return "float32 models of 1M-100M parameters on model=1,2,4, sparse 1% batch steps of 2^20-2^24 parameters"
        + " sharded, and sparse FMs of 2^22-2^26 x 16 on model=4,8, one job per step and on the engine: ms per step,"
        + " peak heap, bytes broadcast, bytes a shard update writes, bytes the driver retains";
  }

  @Override
  public List<String> caseGroups() {
    return List.of("dense", "sparse", "fm");
  }

  @Override
  public List<CaseResult> run(BenchContext ctx) throws Exception {
    BenchContext.Mode mode = ctx.mode();
    int[] sizes = mode.pick(new int[] {1 << 14, 1 << 17}, new int[] {1_000_000, 10_000_000},
        new int[] {1_000_000, 10_000_000, 50_000_000, 100_000_000});
    int[] models = mode.pick(new int[] {1, 2}, new int[] {1, 2, 4}, new int[] {1, 2, 4});
    int rows = mode.pick(200, 2000, 2000);
    List<CaseResult> out = new ArrayList<>();
    Map<Integer, Double> smallest = new HashMap<>();
    long maxHeap = Runtime.getRuntime().maxMemory();
    // Sharded runs cut the state's lineage every 10 steps: into a checkpoint directory, not the driver
    SparkContext sc = ctx.spark().sparkContext();
    try (BenchCheckpoints checkpoints = BenchCheckpoints.ensure(sc); HeapWatcher heap = new HeapWatcher()) {
      for (int size : ctx.runsCases("dense") ? sizes : new int[0]) {
        double predicted = (models.length > 1 ? BYTES_PER_PARAM_SHARDED : BYTES_PER_PARAM) * size
            + HeapWatcher.liveNow();
        if (predicted > 0.9 * maxHeap) {
          ctx.log("scale: skipping %s parameters: predicted peak heap %.1f GiB > 90%% of max heap %.1f GiB"
              + " (set MESHGRAD_JAVA_OPTS=-Xmx...)", label(size), predicted / (1L << 30), maxHeap / (double) (1L << 30));
          out.add(skipped(size, predicted, maxHeap));
          continue;
        }
        try (TrainingData data = TrainingData.from(synthetic(ctx, rows, size), "features", "label", null,
            ctx.partitions(), LOSS::validateLabel)) {
          for (int model : models) {
            out.add(runCase(ctx, heap, data, size, model, smallest, false));
          }
        }
      }
      int[] sparseSizes = mode.pick(new int[] {1 << 14, 1 << 16}, new int[] {1 << 20, 1 << 22},
          new int[] {1 << 22, 1 << 24});
      int[] sparseModels = mode.pick(new int[] {2}, new int[] {2}, new int[] {2, 4});
      int sparseRows = mode.pick(2000, SPARSE_ROWS, SPARSE_ROWS);
      Map<Integer, Double> smallestSparse = new HashMap<>();
      for (int size : ctx.runsCases("sparse") ? sparseSizes : new int[0]) {
        double predicted = BYTES_PER_PARAM_SHARDED * size + HeapWatcher.liveNow();
        if (predicted > 0.9 * maxHeap) {
          out.add(skipped(size, predicted, maxHeap));
          continue;
        }
        try (TrainingData data = TrainingData.from(synthetic(ctx, sparseRows, size), "features", "label", null,
            ctx.partitions(), LOSS::validateLabel)) {
          for (int model : sparseModels) {
            out.add(runCase(ctx, heap, data, size, model, smallestSparse, true));
          }
        }
      }
      int[] fmBits = mode.pick(new int[] {12, 14}, FM_QUICK_BITS, new int[] {22, 24, 26});
      int[] fmModels = mode.pick(new int[] {2}, new int[] {4}, new int[] {4, 8});
      int fmRows = mode.pick(2000, FM_ROWS, FM_ROWS);
      Map<Integer, Double> smallestFm = new HashMap<>();
      // the engine's FM cases, listed after the job path's (--smoke runs the job path's two tables only; the tests
      // run the engine's with --quick)
      boolean fmEngine = mode != BenchContext.Mode.SMOKE;
      int engineSteps = ctx.steps(2, FM_ENGINE_QUICK_STEPS, FM_ENGINE_FULL_STEPS);
      Map<Integer, Double> smallestFmEngine = new HashMap<>();
      List<CaseResult> fmEngineCases = new ArrayList<>();
      for (int bits : ctx.runsCases("fm") ? fmBits : new int[0]) {
        long params = (1L << bits) * (FM_FACTORS + 1);
        String cannotFit = fmCannotFit(ctx, params, maxHeap);
        if (cannotFit != null) {
          ctx.log("scale: skipping the 2^%d x %d FM: %s", bits, FM_FACTORS, cannotFit);
          for (int model : fmModels) {
            out.add(skippedFm(fmName(bits, model), params, cannotFit));
            if (fmEngine) {
              fmEngineCases.add(skippedFm(fmEngineName(bits, model, engineSteps), params, cannotFit));
            }
          }
          continue;
        }
        Dataset<Row> clicks = SyntheticClicks.builder().seed(7L).hashBits(bits).fields(FM_FIELDS).build()
            .dataFrame(ctx.spark(), fmRows, ctx.partitions());
        try (TrainingData data = TrainingData.from(clicks, "features", "label", null, ctx.partitions(),
            FM_LOSS::validateLabel)) {
          for (int model : fmModels) {
            CaseResult job = runFmCase(ctx, heap, data, bits, model, smallestFm);
            out.add(job);
            if (fmEngine) {
              fmEngineCases.addAll(runFmEngineCases(ctx, heap, data, bits, model, smallestFmEngine, job.meshgrad()));
            }
          }
        }
      }
      out.addAll(fmEngineCases);
    }
    return out;
  }

  /**
   * A sparse FM case: the factors {@code V [2^bits, FM_FACTORS]} float32 laid out {@code ["model",
   * "unsharded"]}, linear weights beside them, every variable generated on its shards and pulled
   * by rows ({@link ShardedFmModel}), 1 % batches of synthetic clicks. Reports the step time
   * against twice the smallest FM's on the same mesh, the most bytes the driver's runtime retains
   * for the model after a step ({@code MeshRuntime.retainedBytes()}, target under 64 MiB) and the
   * bytes of the executors' state (weights and accumulators, about the model once).
   */
  private static CaseResult runFmCase(BenchContext ctx, HeapWatcher heap, TrainingData data, int bits, int model,
      Map<Integer, Double> smallest) throws Exception {
    int steps = ctx.steps(1, 3, 5);
    int reps = ctx.reps(1, 3, 5);
    boolean smoke = ctx.mode() == BenchContext.Mode.SMOKE;
    String name = fmName(bits, model);
    Memory before = smoke ? Memory.now(ctx) : Memory.settled(ctx);
    heap.reset();
    BatchPlan plan = BatchPlan.miniBatch(data.rowsPerPartition(), (int) Math.max(1, data.numRows() / 100), 42L);
    List<Double> samples = new ArrayList<>();
    long setupStart = System.nanoTime();
    double setupMs;
    double firstSteps;
    long retained;
    long stateBytes;
    boolean pulled;
    String mesh;
    io.meshgrad.metrics.StepStats last;
    Memory after;
    try (ShardedFmModel m = ShardedFmModel.create(ctx.spark(), data, plan, model, FM_FACTORS)) {
      setupMs = Measure.millisSince(setupStart);
      mesh = m.meshSpec();
      int first = smoke ? 1 : SparseHighDimSuite.FIRST_STEPS;
      firstSteps = m.timeSteps(first) / first;
      ctx.log("scale fm %s: created in %s ms, first %d steps %s ms/step", name, Measure.fmt(setupMs), first,
          Measure.fmt(firstSteps));
      for (int rep = 0; rep < reps; rep++) {
        double ms = BenchRegion.time("meshgrad", name, () -> m.timeSteps(steps)) / steps;
        samples.add(ms);
        ctx.log("scale fm %s: rep %d/%d %s ms/step, driver retains %d bytes", name, rep + 1, reps, Measure.fmt(ms),
            m.maxRetainedBytes());
      }
      last = m.lastStepStats();
      retained = m.maxRetainedBytes();
      pulled = m.pullsEveryShardedVariable();
      stateBytes = m.stateBytes();
      after = smoke ? Memory.now(ctx) : Memory.settled(ctx);
    }
    double t = Measure.median(samples);
    smallest.putIfAbsent(model, t);
    long params = (1L << bits) * (FM_FACTORS + 1);
    return CaseResult.time(name, t, 2 * smallest.get(model), "twice the smallest FM's step on the same mesh",
            "ms/step", 1.0)
        .with(fmDetails(params, mesh, plan.rowsInStep(0), pulled, retained))
        .with("driverRetainedNote", "the most MeshRuntime.retainedBytes() after any step: driver copies of"
            + " variables (here only the intercept), shipped weights and pulled rows kept until the lineage cut"
            + " (every 10 steps), driver-held shards; element data, without Spark's serialized broadcast pieces")
        .with("executorStateBytes", stateBytes)
        .with("modelBytes", 4L * params)
        .with("executorStateNote", "element data of every shard's weights and Adagrad accumulators in the state RDD:"
            + " twice the float32 model, held once")
        .with("setupMs", Measure.round4(setupMs))
        .with("firstStepsMsPerStep", Measure.round4(firstSteps))
        .with(stepAndHeapDetails(last, before, after, heap))
        .with("stepsPerRep", steps)
        .with("reps", reps)
        .with("meshgradSamples", Measure.rounded(samples))
        .with("heapNote", "local mode: executors share this JVM, so the heap peaks include the state RDD (the"
            + " executors' weights and accumulators), not only the driver's");
  }

  /** The details an FM table's case reports on the job path and on the engine alike. */
  private static java.util.Map<String, Object> fmDetails(long params, String mesh, long rowsPerStep, boolean pulled,
      long retained) {
    java.util.Map<String, Object> d = new java.util.LinkedHashMap<>();
    d.put("parameters", params);
    d.put("meshgradMesh", mesh);
    d.put("rowsPerStep", rowsPerStep);
    d.put("fieldsPerRow", FM_FIELDS);
    d.put("allShardedVariablesPulled", pulled);
    d.put("driverRetainedModelBytes", retained);
    d.put("driverRetainedTargetBytes", DRIVER_RETAINED_TARGET);
    d.put("driverRetainedMet", retained < DRIVER_RETAINED_TARGET);
    return d;
  }

  /** A case's last step's bytes and the heap it took, on the job path and on the engine alike. */
  private static java.util.Map<String, Object> stepAndHeapDetails(io.meshgrad.metrics.StepStats last, Memory before,
      Memory after, HeapWatcher heap) {
    java.util.Map<String, Object> d = new java.util.LinkedHashMap<>();
    d.put("shardBytesWrittenPerStep", last.bytesWrittenOnShards());
    d.put("bytesSentPerStep", last.bytesBroadcast());
    d.put("retainedHeapBytes", after.live() - before.live());
    d.put("peakHeapUsedBytes", heap.peakUsed());
    d.put("peakHeapAfterGcBytes", heap.peakAfterGc());
    return d;
  }

  /**
   * The same FM table on the many-steps-per-job engine ({@link EngineRunner}, {@code stepsPerJob}
   * = the steps of a repetition): a fresh {@link ShardedFmModel} of the same settings, made after
   * the job path's model is closed (two tables at once would not fit where one only just does),
   * one probe step, {@code warmup} untimed jobs, then each repetition times one job of {@code n}
   * steps. Measured as the job path's case is: the step time against twice the smallest table's
   * engine step on the same mesh (flat in d), and the most {@code MeshRuntime.retainedBytes()}
   * after any of its jobs, as a second row against the 64 MiB. "Not supported" with the
   * engine's reason where it refuses the model.
   *
   * @param jobPerStepMs the job path's step on the same table and mesh in this run
   */
  private static List<CaseResult> runFmEngineCases(BenchContext ctx, HeapWatcher heap, TrainingData data, int bits,
      int model, Map<Integer, Double> smallest, double jobPerStepMs) throws Exception {
    int n = ctx.steps(2, FM_ENGINE_QUICK_STEPS, FM_ENGINE_FULL_STEPS);
    int reps = ctx.reps(1, 3, 5);
    int warmup = ctx.warmup(0, 1, 1);
    String name = fmEngineName(bits, model, n);
    String peerName = "twice the smallest FM's engine step on the same mesh";
    Memory before = Memory.settled(ctx);
    heap.reset();
    BatchPlan plan = BatchPlan.miniBatch(data.rowsPerPartition(), (int) Math.max(1, data.numRows() / 100), 42L);
    List<Double> all = new ArrayList<>();
    long setupStart = System.nanoTime();
    double setupMs;
    String refusal;
    String mesh;
    long retained = 0;
    long stateBytes = 0;
    long jobs = 0;
    boolean pulled = false;
    io.meshgrad.metrics.StepStats last = null;
    Memory after;
    try (ShardedFmModel m = ShardedFmModel.create(ctx.spark(), data, plan, model, FM_FACTORS)) {
      setupMs = Measure.millisSince(setupStart);
      mesh = m.meshSpec();
      EngineRunner engine = m.engine(ctx.jsc(), true);
      refusal = engine.refusal();
      for (int round = 0; refusal == null && round < warmup + reps; round++) {
        double ms = BenchRegion.time("meshgrad", name, () -> m.timeEngineSteps(engine, n)) / n;
        all.add(ms);
        ctx.log("scale fm %s: %s %d %s ms/step, driver retains %d bytes", name, round < warmup ? "warm-up" : "rep",
            round + 1, Measure.fmt(ms), m.maxRetainedBytes());
      }
      if (refusal == null) {
        retained = m.maxRetainedBytes();
        pulled = m.pullsEveryShardedVariable();
        stateBytes = m.stateBytes();
        last = m.lastStepStats();
        jobs = engine.jobs();
      }
      after = Memory.settled(ctx);
    }
    if (refusal != null) {
      return List.of(EngineRunner.notSupported(name, peerName, "ms/step", 1.0, refusal).with("meshgradMesh", mesh));
    }
    List<Double> recorded = EngineRunner.recorded(all, warmup);
    double t = Measure.median(recorded);
    smallest.putIfAbsent(model, t);
    long params = (1L << bits) * (FM_FACTORS + 1);
    CaseResult step = EngineRunner.withJobPerStep(CaseResult.time(name, t, 2 * smallest.get(model), peerName,
            "ms/step", 1.0), jobPerStepMs)
        .with(fmDetails(params, mesh, plan.rowsInStep(0), pulled, retained))
        .with("executorStateBytes", stateBytes)
        .with("modelBytes", 4L * params)
        .with("setupMs", Measure.round4(setupMs))
        .with("warmupMsPerStep", Measure.rounded(all.subList(0, Math.min(warmup, all.size()))))
        .with(stepAndHeapDetails(last, before, after, heap))
        .with("stepsPerRep", n)
        .with("stepsPerJob", n)
        .with("engineJobs", jobs)
        .with("reps", reps)
        .with("timing", "a fresh model of the job path's settings on the engine (StepEngine), after the job path's"
            + " model is closed; one probe step, " + warmup + " untimed job(s), then each repetition times one job"
            + " of " + n + " steps; each job moves the table's shards to their owner tasks and back into the state"
            + " RDD (a shuffle of the state each way), which its steps share")
        .with("meshgradSamples", Measure.rounded(recorded))
        .with("heapNote", "local mode: executors share this JVM, so the heap peaks include the state RDD and the"
            + " engine tasks' shards, not only the driver's");
    CaseResult driver = CaseResult.time(name + ", driver retains", retained / (double) (1 << 20),
            DRIVER_RETAINED_TARGET / (double) (1 << 20), "the issue's bound on what the driver retains", "MiB", 1.0)
        .with("parameters", params)
        .with("meshgradMesh", mesh)
        .with("driverRetainedModelBytes", retained)
        .with("driverRetainedTargetBytes", DRIVER_RETAINED_TARGET)
        .with("modelBytes", 4L * params)
        .with("engineJobs", jobs)
        .with("driverRetainedNote", "the most MeshRuntime.retainedBytes() after any of the case's engine jobs (the"
            + " job path's measure, sampled between jobs instead of between steps): driver copies of variables (here"
            + " only the intercept), the variables in the jobs' closures and pulled rows kept until the lineage cut,"
            + " driver-held shards; element data, without Spark's serialized broadcast pieces");
    if (retained >= DRIVER_RETAINED_TARGET) {
      driver.missed("the driver retained " + retained + " bytes, not under " + DRIVER_RETAINED_TARGET);
    }
    return List.of(step, driver);
  }

  /**
   * Why an FM of {@code params} parameters cannot run in this JVM, or {@code null} when it can. Two
   * bounds: the heap ({@link #FM_BYTES_PER_PARAM} per parameter plus what is live now, at most 90 %
   * of the max heap), and Spark's storage memory: during a step the state before and the state
   * after are both cached, and Spark's size estimate of each counts every chunk, also those the two
   * versions share, so a step needs twice the state ({@link #FM_STATE_BYTES_PER_PARAM} per
   * parameter) in the unified memory region ({@code (heap - 300 MiB) * spark.memory.fraction});
   * beyond it Spark evicts cached state blocks to disk (Java-serialized) every step.
   */
  private static String fmCannotFit(BenchContext ctx, long params, long maxHeap) {
    double heapNeeded = FM_BYTES_PER_PARAM * params + HeapWatcher.liveNow();
    if (heapNeeded > 0.9 * maxHeap) {
      return String.format("predicted peak heap %d MiB (%.0f bytes per parameter, %d parameters, plus the heap in use)"
          + " > 90%% of max heap %d MiB; local mode holds driver and executors in one JVM: run with"
          + " MESHGRAD_JAVA_OPTS=-Xmx<more>", Math.round(heapNeeded / (1 << 20)), FM_BYTES_PER_PARAM, params,
          maxHeap >> 20);
    }
    double fraction = ctx.spark().sparkContext().getConf().getDouble("spark.memory.fraction", 0.6);
    double unified = (maxHeap - (300L << 20)) * fraction;
    double storageNeeded = 2 * FM_STATE_BYTES_PER_PARAM * params;
    if (storageNeeded > unified) {
      return String.format("a step caches the state before and after it, and Spark's size estimate counts the chunks"
          + " they share twice: %d MiB (2 x %.2f bytes per parameter, %d parameters) > Spark's unified memory %d MiB"
          + " ((max heap %d MiB - 300 MiB) x spark.memory.fraction %.2f); past it every step evicts state blocks to"
          + " disk", Math.round(storageNeeded / (1 << 20)), FM_STATE_BYTES_PER_PARAM, params,
          Math.round(unified / (1 << 20)), maxHeap >> 20, fraction);
    }
    return null;
  }

  private static CaseResult skippedFm(String name, long params, String why) {
    return CaseResult.time(name + " (skipped)", Double.NaN, Double.NaN, "-", "ms/step", Double.NaN)
        .with("parameters", params)
        .with("skipped", why);
  }

  private static String fmName(int bits, int model) {
    return "2^" + bits + " x " + FM_FACTORS + " FM sparse 1% batch, model=" + model;
  }

  private static String fmEngineName(int bits, int model, int stepsPerJob) {
    return fmName(bits, model) + ", engine (" + stepsPerJob + " steps per job)";
  }

  private static String label(int size) {
    return size >= 1_000_000 && size % 1_000_000 == 0 ? size / 1_000_000 + "M" : String.valueOf(size);
  }

  /** {@code rows} rows of {@link #NON_ZEROS} random non-zeros in {@code [0, size)}, random labels, seeded. */
  static Dataset<Row> synthetic(BenchContext ctx, int rows, int size) {
    SplittableRandom r = new SplittableRandom(size);
    List<Row> out = new ArrayList<>(rows);
    for (int i = 0; i < rows; i++) {
      int[] idx = r.ints(0, size).distinct().limit(NON_ZEROS).sorted().toArray();
      double[] val = new double[idx.length];
      Arrays.setAll(val, j -> r.nextDouble() * 2 - 1);
      out.add(RowFactory.create(Vectors.sparse(size, idx, val), r.nextDouble() * 2 - 1));
    }
    return ctx.spark().createDataFrame(ctx.jsc().parallelize(out, ctx.partitions()), Fixtures.SCHEMA);
  }

  /**
   * Where memory is at one moment (local mode: one JVM): heap in use after a full collection, the
   * block manager's storage memory (cached RDD blocks and broadcast blocks) and, of that, the
   * cached RDD blocks.
   */
  record Memory(long live, long storage, long rddBlocks) {
    /**
     * As {@link #now}, once the block manager has finished the removals a previous case started
     * (unpersist and broadcast destroy are asynchronous): storage stable for 300 ms, at most ~5 s.
     */
    static Memory settled(BenchContext ctx) throws InterruptedException {
      Memory m = now(ctx);
      for (int i = 0; i < 15; i++) {
        Thread.sleep(300);
        Memory next = now(ctx);
        if (Math.abs(next.storage - m.storage) < (1 << 20) && Math.abs(next.live - m.live) < (16 << 20)) {
          return next;
        }
        m = next;
      }
      return m;
    }

    static Memory now(BenchContext ctx) {
      long live = HeapWatcher.liveNow();
      long storage = org.apache.spark.SparkEnv.get().memoryManager().storageMemoryUsed();
      long rdd = 0;
      for (org.apache.spark.storage.RDDInfo info : ctx.spark().sparkContext().getRDDStorageInfo()) {
        rdd += info.memSize();
      }
      return new Memory(live, storage, rdd);
    }
  }

  /**
   * @param sparse 1 % batches without L2 (a sparse update of the rows a batch touches), else full
   *     batch with L2 (a dense update of every parameter)
   */
  private static CaseResult runCase(BenchContext ctx, HeapWatcher heap, TrainingData data, int size, int model,
      Map<Integer, Double> smallest, boolean sparse) throws Exception {
    boolean small = size <= 2_000_000 || sparse;
    int steps = ctx.steps(1, small ? 3 : 2, small ? 5 : 3);
    int reps = ctx.reps(1, small ? 3 : 2, small ? 5 : 3);
    boolean smoke = ctx.mode() == BenchContext.Mode.SMOKE;
    Memory before = smoke ? Memory.now(ctx) : Memory.settled(ctx);
    Memory after;
    heap.reset();
    long liveBefore = heap.peakAfterGc();
    List<Double> samples = new ArrayList<>();
    SparkBytes.Snapshot moved;
    String slots;
    String mesh;
    double firstSteps;
    BatchPlan plan = sparse
        ? BatchPlan.miniBatch(data.rowsPerPartition(), (int) Math.max(1, data.numRows() / 100), 42L)
        : BatchPlan.fullBatch(data.rowsPerPartition());
    String kind = sparse ? " sparse" : "";
    io.meshgrad.metrics.StepStats last;
    try (MeshgradModel m = MeshgradModel.create(ctx.spark(), data, LOSS, plan, model, randomCoefficients(size), 0.1,
        sparse ? 0.0 : REG_PARAM)) {
      mesh = m.meshSpec();
      int first = ctx.mode() == BenchContext.Mode.SMOKE ? 1 : SparseHighDimSuite.FIRST_STEPS;
      firstSteps = m.timeSteps(first) / first;
      ctx.log("scale%s %s %s: first %d steps %s ms/step", kind, label(size), mesh, first, Measure.fmt(firstSteps));
      SparkBytes.Snapshot snapshotBefore = ctx.bytes().snapshot();
      for (int rep = 0; rep < reps; rep++) {
        double ms = BenchRegion.time("meshgrad", label(size) + kind + " " + mesh, () -> m.timeSteps(steps)) / steps;
        samples.add(ms);
        ctx.log("scale%s %s %s: rep %d/%d %s ms/step", kind, label(size), mesh, rep + 1, reps, Measure.fmt(ms));
      }
      last = m.lastStepStats();
      moved = ctx.bytes().snapshot().minus(snapshotBefore);
      slots = m.slotsLocation();
      after = smoke ? Memory.now(ctx) : Memory.settled(ctx);
    }
    double t = Measure.median(samples);
    int totalSteps = steps * reps;
    boolean shardedSlots = slots.equals("state RDD");
    CaseResult result;
    if (sparse) {
      smallest.putIfAbsent(model, t);
      result = CaseResult.time(label(size) + " params sparse 1% batch, model=" + model, t, 2 * smallest.get(model),
              "twice the smallest sparse model's step on the same mesh", "ms/step", 1.0)
          .with("rowsPerStep", plan.rowsInStep(0))
          .with("shardBytesWrittenPerStep", last.bytesWrittenOnShards())
          .with("shardStateBytes", 8L * size)
          .with("shardWriteNote", "bytes of new arrays the last step's shard updates wrote (the copy-on-write"
              + " chunks its touched rows fall in, weights and accumulator) against the whole state (float32"
              + " weights + accumulator)");
    } else {
      smallest.putIfAbsent(model, t * 1.0 / size);
      result = CaseResult.time(label(size) + " params, " + (model > 1 ? "model=" + model : "model=1 (driver-held)"), t,
              smallest.get(model) * size, "linear scaling from the smallest model on the same mesh", "ms/step", 1 / 1.2);
      if (model > 1) {
        result = result.with("shardBytesWrittenPerStep", last.bytesWrittenOnShards())
            .with("shardStateBytes", 8L * size);
      }
    }
    return result
        .with("parameters", size)
        .with("meshgradMesh", mesh)
        .with("firstStepsMsPerStep", Measure.round4(firstSteps))
        .with("slotsOn", slots)
        .with("stateLineageCuts", "every 10 steps, checkpointed to " + ctx.spark().sparkContext().getCheckpointDir().get())
        .with("driverHoldsSlots", !shardedSlots)
        .with("driverHeldStateBytes", (model > 1 ? 4L : 8L) * size)
        .with("retainedHeapBytes", after.live() - before.live())
        .with("retainedRddBlockBytes", after.rddBlocks() - before.rddBlocks())
        .with("retainedBroadcastBlockBytes", (after.storage() - after.rddBlocks()) - (before.storage() - before.rddBlocks()))
        .with("retainedDriverObjectBytes", (after.live() - before.live()) - (after.storage() - before.storage()))
        .with("retainedNote", "between steps, after a full GC, against before the model existed: RDD blocks ="
            + " the state RDD (shards and slots, executor side); broadcast blocks = weight broadcasts kept for"
            + " lineage recovery until the next checkpoint (value and pieces); driver objects = the rest (weights"
            + " copy, and the optimizer slots when the variables are driver-held)")
        .with("peakHeapUsedBytes", heap.peakUsed())
        .with("peakHeapAfterGcBytes", heap.peakAfterGc())
        .with("liveHeapBeforeBytes", liveBefore)
        .withSpark("meshgrad", moved, totalSteps)
        .with("broadcastEstimateBytes", 4L * (size + 1))
        .with("stepsPerRep", steps)
        .with("reps", reps)
        .with("meshgradSamples", Measure.rounded(samples))
        .with("heapNote", "local mode: executors share this JVM, so the peaks include task memory and cached"
            + " blocks (state RDD, broadcast pieces), not only the driver's");
  }

  /**
   * Small random float32 coefficients (seeded): a dense model, so that what is broadcast does not
   * compress to nothing as all-zero weights would.
   */
  static Tensor randomCoefficients(int size) {
    SplittableRandom r = new SplittableRandom(3);
    float[] w = new float[size];
    for (int i = 0; i < size; i++) {
      w[i] = (float) ((r.nextDouble() * 2 - 1) * 0.01);
    }
    return Tensor.of(w, size);
  }

  private static CaseResult skipped(int size, double predicted, long maxHeap) {
    return CaseResult.time(label(size) + " params (skipped)", Double.NaN, Double.NaN, "-", "ms/step", Double.NaN)
        .with("parameters", size)
        .with("skipped", "predicted peak heap " + Math.round(predicted / (1 << 20)) + " MiB > 90% of max heap "
            + (maxHeap >> 20) + " MiB; run with MESHGRAD_JAVA_OPTS=-Xmx<more>");
  }
}
