package io.meshgrad.examples.bench;

import io.meshgrad.ml.MeshMLPClassificationModel;
import io.meshgrad.ml.MeshMLPClassifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.feature.ElementwiseProduct;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * mnist10k (pixels divided by 255), layers {@code [784, 128, 10]}: meshgrad's {@link
 * MeshMLPClassifier} against MLlib's {@code MultilayerPerceptronClassifier} on the same cached
 * DataFrame, both timed as whole {@code fit} calls (data preparation included on both sides).
 *
 * <ul>
 *   <li>full batch, ms per step: meshgrad {@code batchSize 0} (sigmoid, as MLlib) for {@code N}
 *       steps, fit time / N; MLlib {@code solver=gd} (full batch), fit time / the iterations its
 *       objective history records. Target 1.5.
 *   <li>time to 0.95 test accuracy: meshgrad's documented setting (relu, learningRate 0.3,
 *       batchSize 256, {@link #STEPS_TO_95} steps; the accuracy reached is reported) against MLlib's
 *       default L-BFGS fit (maxIter 100) to its own accuracy. Target 2.
 *   <li>JMH, single thread: {@code MultilayerPerceptron.accumulate} over a dense block of 128 rows
 *       in GFLOP/s against the five bare {@code dgemm} calls of the same shapes ({@link
 *       MlpBenchmarks}). Target 0.6.
 * </ul>
 */
final class MlpVsMllibSuite implements Suite {
  static final int[] LAYERS = {784, 128, 10};
  /** Steps of the documented setting that reach 0.95 on mnist10k.test (MlpMnistTest). */
  static final int STEPS_TO_95 = 600;

  @Override
  public String name() {
    return "mlp-vs-mllib";
  }

  @Override
  public String description() {
    return "mnist10k 784-128-10: meshgrad MLP vs MLlib MultilayerPerceptronClassifier (gd step, L-BFGS time to"
        + " accuracy) and JMH forward/backward vs GEMM";
  }

  @Override
  public List<CaseResult> run(BenchContext ctx) throws Exception {
    List<CaseResult> out = new ArrayList<>();
    boolean smoke = ctx.mode() == BenchContext.Mode.SMOKE;
    Dataset<Row> train = mnist(ctx, "mnist10k.train").cache();
    Dataset<Row> test = mnist(ctx, "mnist10k.test").cache();
    try {
      train.count();
      test.count();
      out.add(fullBatchStep(ctx, train));
      out.add(timeToAccuracy(ctx, train, test, smoke));
    } finally {
      train.unpersist();
      test.unpersist();
    }
    out.add(kernel(ctx));
    return out;
  }

  static Dataset<Row> mnist(BenchContext ctx, String file) {
    Dataset<Row> raw = ctx.spark().read().format("libsvm").option("numFeatures", "784")
        .load(ctx.dataDir().resolve("mnist10k").resolve(file).toString());
    double[] scale = new double[784];
    Arrays.fill(scale, 1.0 / 255.0);
    Dataset<Row> scaled = new ElementwiseProduct().setScalingVec(Vectors.dense(scale)).setInputCol("features")
        .setOutputCol("scaled").transform(raw).select(functions.col("scaled").as("features"), functions.col("label"))
        .repartition(ctx.partitions());
    return ctx.mode() == BenchContext.Mode.SMOKE ? scaled.limit(Fixtures.SMOKE_ROWS) : scaled;
  }

  private static CaseResult fullBatchStep(BenchContext ctx, Dataset<Row> train) throws Exception {
    int steps = ctx.steps(2, 10, 30);
    int reps = ctx.reps(1, 3, 5);
    int warmup = ctx.warmup(0, 1, 2);
    long[] mllibIterations = new long[1];
    Measure.Samples s = Measure.alternate(ctx, "full batch", warmup, reps,
        () -> {
          long t0 = System.nanoTime();
          MultilayerPerceptronClassificationModel m = new MultilayerPerceptronClassifier().setLayers(LAYERS)
              .setSolver("gd").setMaxIter(steps).setTol(0.0).setSeed(1234L).fit(train);
          double ms = Measure.millisSince(t0);
          mllibIterations[0] = m.summary().totalIterations();
          return ms / Math.max(1, mllibIterations[0]);
        },
        () -> {
          long t0 = System.nanoTime();
          new MeshMLPClassifier().setLayers(LAYERS).setActivation("sigmoid").setLearningRate(0.05).setMaxIter(steps)
              .setMesh("batch=" + ctx.partitions()).fit(train);
          return Measure.millisSince(t0) / steps;
        });
    return CaseResult.time("full batch, ms/step", s.meshgradMedian(), s.peerMedian(),
            "MLlib MultilayerPerceptronClassifier solver=gd", "ms/step", 1.5)
        .with("steps", steps)
        .with("peerIterationsRun", mllibIterations[0])
        .with("reps", reps)
        .with("meshgradSetup", "MeshMLPClassifier layers 784,128,10 sigmoid, Adagrad lr 0.05, full batch, float32,"
            + " mesh batch=" + ctx.partitions() + "; fit time / steps")
        .with("peerTiming", "fit time / iterations in its objective history (tol 0)")
        .with("meshgradSamples", Measure.rounded(s.meshgrad()))
        .with("peerSamples", Measure.rounded(s.peer()));
  }

  private static CaseResult timeToAccuracy(BenchContext ctx, Dataset<Row> train, Dataset<Row> test, boolean smoke)
      throws Exception {
    int reps = ctx.reps(1, 1, 3);
    int steps = smoke ? 5 : STEPS_TO_95;
    double[] accuracies = new double[2];
    Measure.Samples s = Measure.alternate(ctx, "time to accuracy", 0, reps,
        () -> {
          long t0 = System.nanoTime();
          MultilayerPerceptronClassifier mlp = new MultilayerPerceptronClassifier().setLayers(LAYERS).setSeed(1234L);
          if (smoke) {
            mlp.setMaxIter(2);
          }
          MultilayerPerceptronClassificationModel m = mlp.fit(train);
          double ms = Measure.millisSince(t0);
          accuracies[1] = accuracy(m.transform(test));
          return ms / 1e3;
        },
        () -> {
          long t0 = System.nanoTime();
          MeshMLPClassificationModel m = new MeshMLPClassifier().setLayers(LAYERS).setActivation("relu")
              .setLearningRate(0.3).setBatchSize(256).setMaxIter(steps).setMesh("batch=" + ctx.partitions())
              .fit(train);
          double ms = Measure.millisSince(t0);
          accuracies[0] = accuracy(m.transform(test));
          return ms / 1e3;
        });
    return CaseResult.time("time to 0.95 (meshgrad) vs L-BFGS fit (MLlib)", s.meshgradMedian(), s.peerMedian(),
            "MLlib MultilayerPerceptronClassifier, defaults (l-bfgs, maxIter 100, sigmoid)", "s", 2.0)
        .with("meshgradAccuracy", Measure.round4(accuracies[0]))
        .with("peerAccuracy", Measure.round4(accuracies[1]))
        .with("meshgradSetup", "relu, Adagrad lr 0.3, batchSize 256, " + steps + " steps, float32")
        .with("reps", reps)
        .with("meshgradSamples", Measure.rounded(s.meshgrad()))
        .with("peerSamples", Measure.rounded(s.peer()));
  }

  private static double accuracy(Dataset<Row> predictions) {
    long n = predictions.count();
    return (double) predictions.filter(functions.col("prediction").equalTo(functions.col("label"))).count() / n;
  }

  private static CaseResult kernel(BenchContext ctx) throws Exception {
    BenchContext.Mode mode = ctx.mode();
    int rounds = ctx.reps(1, 3, 5);
    TimeValue time = mode.pick(TimeValue.milliseconds(50), TimeValue.seconds(1), TimeValue.seconds(2));
    System.setProperty("jmh.ignoreLock", "true");
    List<Double> mlp = new ArrayList<>();
    List<Double> gemm = new ArrayList<>();
    long flops = MlpBenchmarks.flops(128, 784, 128, 10);
    for (int round = 0; round < rounds; round++) {
      List<String> order = round % 2 == 0 ? List.of("mlpAccumulate", "gemmSameShapes")
          : List.of("gemmSameShapes", "mlpAccumulate");
      for (String benchmark : order) {
        Options opts = new OptionsBuilder()
            .include("^" + Pattern.quote(MlpBenchmarks.class.getName() + "." + benchmark) + "$")
            .forks(0).warmupIterations(mode.pick(0, 2, 3)).warmupTime(time)
            .measurementIterations(1).measurementTime(time).threads(1)
            .verbosity(VerboseMode.SILENT).shouldFailOnError(true).build();
        RunResult r = new Runner(opts).runSingle();
        double score = 0;
        int n = 0;
        for (BenchmarkResult b : r.getBenchmarkResults()) {
          for (IterationResult it : b.getIterationResults()) {
            score += it.getPrimaryResult().getScore();
            n++;
          }
        }
        (benchmark.equals("mlpAccumulate") ? mlp : gemm).add(score / n * flops / 1e9);
      }
      ctx.log("mlp kernel: round %d/%d done", round + 1, rounds);
    }
    return CaseResult.rate("forward/backward 128x784-128-10, GFLOP/s", Measure.median(mlp), Measure.median(gemm),
            "the five bare dgemm calls of the same shapes, same BLAS (" + dev.ludovic.netlib.blas.BLAS.getInstance()
                .getClass().getSimpleName() + ")", "GFLOP/s", 0.6)
        .with("flopsPerCall", flops)
        .with("call", "MultilayerPerceptron.accumulate(dense block of 128 rows): forward, softmax CE, backward")
        .with("threads", 1)
        .with("meshgradSamples", Measure.rounded(mlp))
        .with("peerSamples", Measure.rounded(gemm));
  }
}
