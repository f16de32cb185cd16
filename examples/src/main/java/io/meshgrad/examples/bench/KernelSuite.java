package io.meshgrad.examples.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The Adagrad update kernel under JMH ({@link KernelBenchmarks}), run in this process through
 * JMH's {@link Runner}: forks 0 for {@code --quick} (and tests), 1 for the full run (a fresh JVM
 * per benchmark, with this JVM's flags and class path). Dense updates are reported in bytes touched
 * per second, counting what the update must move: read {@code g, acc, v} and write {@code acc, v},
 * 5 elements per element of the variable; the triad {@code a = b + s*c} counts 3 (STREAM's
 * convention, which leaves out the write-allocate read of {@code a}; the ratio against the triad
 * with it counted, 4 per element, is reported too). Sparse updates are reported in rows per
 * second.
 */
final class KernelSuite implements Suite {

  @Override
  public String name() {
    return "kernel";
  }

  @Override
  public String description() {
    return "JMH: dense Adagrad update (float32/64, 16M) in GB/s vs a streaming triad; sparse update in rows/s";
  }

  @Override
  public List<CaseResult> run(BenchContext ctx) throws Exception {
    BenchContext.Mode mode = ctx.mode();
    int size = mode.pick(1 << 16, 1 << 24, 1 << 24);
    int rows = mode.pick(1024, 1 << 16, 1 << 16);
    int forks = mode.pick(0, 0, 1);
    int warmups = mode.pick(0, 2, 5);
    int iterations = ctx.reps(1, 3, 10);
    TimeValue time = mode.pick(TimeValue.milliseconds(20), TimeValue.seconds(1), TimeValue.seconds(1));
    // a second JMH run on this machine (another engineer's) would otherwise make this one fail
    System.setProperty("jmh.ignoreLock", "true");
    Options opts = new OptionsBuilder()
        .include("^" + Pattern.quote(KernelBenchmarks.class.getName()) + "\\.")
        .forks(forks)
        .warmupIterations(warmups)
        .warmupTime(time)
        .measurementIterations(iterations)
        .measurementTime(time)
        .threads(1)
        .param("size", String.valueOf(size))
        .param("rows", String.valueOf(rows))
        .verbosity(VerboseMode.SILENT)
        .shouldFailOnError(true)
        .build();
    ctx.log("kernel: JMH, %d benchmarks, forks %d, %d warm-up + %d measured iterations of %s, size %d",
        6, forks, warmups, iterations, time, size);
    Collection<RunResult> results = new Runner(opts).run();
    Map<String, List<Double>> scores = new HashMap<>();
    for (RunResult r : results) {
      String method = r.getParams().getBenchmark();
      method = method.substring(method.lastIndexOf('.') + 1);
      List<Double> s = new ArrayList<>();
      for (BenchmarkResult b : r.getBenchmarkResults()) {
        for (IterationResult it : b.getIterationResults()) {
          s.add(it.getPrimaryResult().getScore());
        }
      }
      scores.put(method, s);
      ctx.log("kernel: %s median %s ops/s over %d iterations", method, Measure.fmt(Measure.median(s)), s.size());
    }
    List<CaseResult> out = new ArrayList<>();
    String elements = size >= 1 << 20 ? (size >> 20) + "M" : String.valueOf(size);
    out.add(dense(scores, "dense float32, " + elements + " elements", "adagradDenseFloat32", "triadFloat32", size, 4,
        forks));
    out.add(dense(scores, "dense float64, " + elements + " elements", "adagradDenseFloat64", "triadFloat64", size, 8,
        forks));
    List<Double> sparse = perSecond(scores.get("adagradSparseFloat32"), rows);
    List<Double> bare = perSecond(scores.get("bareSparseLoopFloat32"), rows);
    out.add(CaseResult.rate("sparse float32, " + rows + " of " + elements + " rows", Measure.median(sparse),
            Measure.median(bare), "bare loop, same arithmetic on the same rows (no optimizer around it)", "rows/s",
            Double.NaN)
        .with("call", "Optimizer.applyToVariable(step, IndexedSlices, value, slots) -> Adagrad.updateStep")
        .with("forks", forks)
        .with("meshgradSamples", Measure.rounded(sparse))
        .with("peerSamples", Measure.rounded(bare)));
    return out;
  }

  private static CaseResult dense(Map<String, List<Double>> scores, String name, String kernel, String triad,
      int size, int width, int forks) {
    List<Double> k = gbPerSecond(scores.get(kernel), 5L * width * size);
    List<Double> t = gbPerSecond(scores.get(triad), 3L * width * size);
    double km = Measure.median(k);
    double tm = Measure.median(t);
    return CaseResult.rate(name, km, tm, "streaming triad a=b+s*c, same size and type (3 elements/element)",
            "GB/s", 0.7)
        .with("call", "Optimizer.applyToVariable(step, dense gradient, value, slots) -> Adagrad.updateStep")
        .with("bytesPerUpdate", 5L * width * size)
        .with("bytesPerTriad", 3L * width * size)
        .with("triadGBpsWithWriteAllocate", Measure.round4(tm * 4 / 3))
        .with("ratioAgainstTriadWithWriteAllocate", Measure.round4(km / (tm * 4 / 3)))
        .with("updateMsPerCall", Measure.round4(1e3 / Measure.median(scores.get(kernel))))
        .with("forks", forks)
        .with("meshgradSamples", Measure.rounded(k))
        .with("peerSamples", Measure.rounded(t));
  }

  private static List<Double> gbPerSecond(List<Double> opsPerSecond, long bytesPerOp) {
    return opsPerSecond.stream().map(o -> o * bytesPerOp / 1e9).toList();
  }

  private static List<Double> perSecond(List<Double> opsPerSecond, int rowsPerOp) {
    return opsPerSecond.stream().map(o -> o * rowsPerOp).toList();
  }
}
