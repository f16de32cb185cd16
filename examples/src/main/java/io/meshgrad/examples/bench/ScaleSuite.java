package io.meshgrad.examples.bench;

import io.meshgrad.loss.LeastSquaresLoss;
import io.meshgrad.tensor.Tensor;
import io.meshgrad.train.BatchPlan;
import io.meshgrad.train.TrainingData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
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
 * <p>The peer of a case is linear scaling from the smallest model on the same mesh: {@code
 * t(smallest) * params / smallest}. The target, step time growing at most linearly ({@code 10x}
 * parameters in at most {@code 12x} the time), is a ratio of at least {@code 1/1.2}. Sizes whose
 * predicted peak heap (from the bytes per parameter measured so far) exceeds 90 % of the max heap
 * are skipped and reported as such.
 */
final class ScaleSuite implements Suite {
  static final int NON_ZEROS = 10;
  static final double REG_PARAM = 1e-4;
  static final LeastSquaresLoss LOSS = new LeastSquaresLoss();

  @Override
  public String name() {
    return "scale";
  }

  @Override
  public String description() {
    return "float32 models of 1M-100M parameters on model=1,2,4: ms per step, peak heap, bytes broadcast";
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
    double bytesPerParam = 0;
    long maxHeap = Runtime.getRuntime().maxMemory();
    try (HeapWatcher heap = new HeapWatcher()) {
      for (int size : sizes) {
        double predicted = 1.3 * bytesPerParam * size + HeapWatcher.liveNow();
        if (bytesPerParam > 0 && predicted > 0.9 * maxHeap) {
          ctx.log("scale: skipping %s parameters: predicted peak heap %.1f GiB > 90%% of max heap %.1f GiB"
              + " (set MESHGRAD_JAVA_OPTS=-Xmx...)", label(size), predicted / (1L << 30), maxHeap / (double) (1L << 30));
          out.add(skipped(size, predicted, maxHeap));
          continue;
        }
        try (TrainingData data = TrainingData.from(synthetic(ctx, rows, size), "features", "label", null,
            ctx.partitions(), LOSS::validateLabel)) {
          for (int model : models) {
            CaseResult c = runCase(ctx, heap, data, size, model, smallest);
            out.add(c);
            long peak = (Long) c.extra().get("peakHeapAfterGcBytes");
            long base = (Long) c.extra().get("liveHeapBeforeBytes");
            bytesPerParam = Math.max(bytesPerParam, (double) (peak - base) / size);
          }
        }
      }
    }
    return out;
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

  private static CaseResult runCase(BenchContext ctx, HeapWatcher heap, TrainingData data, int size, int model,
      Map<Integer, Double> smallest) throws Exception {
    int steps = ctx.steps(1, 2, 3);
    int reps = ctx.reps(1, 2, 3);
    heap.reset();
    long liveBefore = heap.peakAfterGc();
    List<Double> samples = new ArrayList<>();
    SparkBytes.Snapshot moved;
    String slots;
    String mesh;
    try (MeshgradModel m = MeshgradModel.create(ctx.spark(), data, LOSS, BatchPlan.fullBatch(data.rowsPerPartition()),
        model, randomCoefficients(size), 0.1, REG_PARAM)) {
      mesh = m.meshSpec();
      double warm = m.timeSteps(1);
      ctx.log("scale %s %s: warm-up step %s ms", label(size), mesh, Measure.fmt(warm));
      SparkBytes.Snapshot before = ctx.bytes().snapshot();
      for (int rep = 0; rep < reps; rep++) {
        double ms = BenchRegion.time("meshgrad", label(size) + " " + mesh, () -> m.timeSteps(steps)) / steps;
        samples.add(ms);
        ctx.log("scale %s %s: rep %d/%d %s ms/step", label(size), mesh, rep + 1, reps, Measure.fmt(ms));
      }
      moved = ctx.bytes().snapshot().minus(before);
      slots = m.slotsLocation();
    }
    double t = Measure.median(samples);
    smallest.putIfAbsent(model, t * 1.0 / size);
    double linear = smallest.get(model) * size;
    int totalSteps = steps * reps;
    boolean shardedSlots = slots.equals("state RDD");
    return CaseResult.time(label(size) + " params, " + (model > 1 ? "model=" + model : "model=1 (driver-held)"), t,
            linear, "linear scaling from the smallest model on the same mesh", "ms/step", 1 / 1.2)
        .with("parameters", size)
        .with("meshgradMesh", mesh)
        .with("slotsOn", slots)
        .with("driverHoldsSlots", !shardedSlots)
        .with("driverHeldStateBytes", (model > 1 ? 4L : 8L) * size)
        .with("peakHeapUsedBytes", heap.peakUsed())
        .with("peakHeapAfterGcBytes", heap.peakAfterGc())
        .with("liveHeapBeforeBytes", liveBefore)
        .withSpark("meshgrad", moved, totalSteps)
        .with("broadcastEstimateBytes", 8L * (size + 1))
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
