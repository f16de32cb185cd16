package io.meshgrad.examples.bench;

import java.util.ArrayList;
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
 * per benchmark run, with this JVM's flags and class path). Like the other suites it alternates:
 * each round runs every benchmark once (one JMH run, warm-up iterations then one measured
 * iteration), in an order that reverses every round, and the medians are over rounds. Dense updates are reported in bytes touched
 * per second, counting what the update must move: read {@code g, acc, v} and write {@code acc, v},
 * 5 elements per element of the variable; the triad {@code a = b + s*c} counts 3 (STREAM's
 * convention, which leaves out the write-allocate read of {@code a}; the ratio against the triad
 * with it counted, 4 per element, is reported too, and so is the ratio against an in-place {@code
 * b += s*c}, 3 per element, whose access pattern is the update's). Sparse updates are reported in rows per
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

  /** The benchmarks, kernel before its limits; rounds alternate this order and its reverse. */
  static final List<String> BENCHMARKS = List.of(
      "adagradDenseFloat32", "triadFloat32", "axpyInPlaceFloat32",
      "adagradDenseFloat64", "triadFloat64", "axpyInPlaceFloat64",
      "adagradSparseFloat32", "bareSparseLoopFloat32");

  @Override
  public List<CaseResult> run(BenchContext ctx) throws Exception {
    BenchContext.Mode mode = ctx.mode();
    int size = mode.pick(1 << 16, 1 << 24, 1 << 24);
    int rows = mode.pick(1024, 1 << 16, 1 << 16);
    int forks = mode.pick(0, 0, 1);
    int warmRounds = mode.pick(0, 1, 1);
    int rounds = ctx.reps(1, 3, 5);
    int firstWarmups = mode.pick(0, 2, 3);
    int laterWarmups = mode.pick(0, 1, 2);
    TimeValue time = mode.pick(TimeValue.milliseconds(20), TimeValue.seconds(1), TimeValue.seconds(1));
    // a second JMH run on this machine (another engineer's) would otherwise make this one fail
    System.setProperty("jmh.ignoreLock", "true");
    ctx.log("kernel: JMH, %d benchmarks in %d+%d alternating rounds, forks %d, one measured iteration of %s each,"
        + " size %d", BENCHMARKS.size(), warmRounds, rounds, forks, time, size);
    // Each round runs every benchmark once (one JMH run each), in alternating order, so that a
    // kernel and its limit see the same machine: another process's load hits both alike.
    Map<String, List<Double>> scores = new HashMap<>();
    for (int round = 0; round < warmRounds + rounds; round++) {
      List<String> order = new ArrayList<>(BENCHMARKS);
      if (round % 2 == 1) {
        java.util.Collections.reverse(order);
      }
      for (String benchmark : order) {
        Options opts = new OptionsBuilder()
            .include("^" + Pattern.quote(KernelBenchmarks.class.getName() + "." + benchmark) + "$")
            .forks(forks)
            .warmupIterations(round == 0 ? firstWarmups : laterWarmups)
            .warmupTime(time)
            .measurementIterations(1)
            .measurementTime(time)
            .threads(1)
            .param("size", String.valueOf(size))
            .param("rows", String.valueOf(rows))
            .verbosity(VerboseMode.SILENT)
            .shouldFailOnError(true)
            .build();
        RunResult r = new Runner(opts).runSingle();
        double score = 0;
        int n = 0;
        for (BenchmarkResult b : r.getBenchmarkResults()) {
          for (IterationResult it : b.getIterationResults()) {
            score += it.getPrimaryResult().getScore();
            n++;
          }
        }
        if (round >= warmRounds) {
          scores.computeIfAbsent(benchmark, k -> new ArrayList<>()).add(score / n);
        }
      }
      ctx.log("kernel: round %d/%d done%s", round + 1, warmRounds + rounds, round < warmRounds ? " (warm-up)" : "");
    }
    scores.forEach((b, v) -> ctx.log("kernel: %s median %s ops/s over %d rounds", b, Measure.fmt(Measure.median(v)),
        v.size()));
    List<CaseResult> out = new ArrayList<>();
    String elements = size >= 1 << 20 ? (size >> 20) + "M" : String.valueOf(size);
    out.add(dense(scores, "dense float32, " + elements + " elements", "adagradDenseFloat32", "triadFloat32",
        "axpyInPlaceFloat32", size, 4, forks));
    out.add(dense(scores, "dense float64, " + elements + " elements", "adagradDenseFloat64", "triadFloat64",
        "axpyInPlaceFloat64", size, 8, forks));
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
      String axpy, int size, int width, int forks) {
    List<Double> k = gbPerSecond(scores.get(kernel), 5L * width * size);
    List<Double> t = gbPerSecond(scores.get(triad), 3L * width * size);
    List<Double> a = gbPerSecond(scores.get(axpy), 3L * width * size);
    double km = Measure.median(k);
    double tm = Measure.median(t);
    double am = Measure.median(a);
    return CaseResult.rate(name, km, tm, "streaming triad a=b+s*c, same size and type (3 elements/element)",
            "GB/s", 0.7)
        .with("call", "Optimizer.applyToVariable(step, dense gradient, value, slots) -> Adagrad.updateStep")
        .with("bytesPerUpdate", 5L * width * size)
        .with("bytesPerTriad", 3L * width * size)
        .with("triadGBpsWithWriteAllocate", Measure.round4(tm * 4 / 3))
        .with("ratioAgainstTriadWithWriteAllocate", Measure.round4(km / (tm * 4 / 3)))
        .with("axpyInPlaceGBps", Measure.round4(am))
        .with("ratioAgainstAxpyInPlace", Measure.round4(km / am))
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
