package io.meshgrad.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;

/**
 * Driver-side training metrics of this JVM, updated after every step and published through
 * Spark's metrics system when {@link MeshgradPlugin} is enabled (without the plugin they are
 * only kept here). Values describe the most recent step, except the counters.
 */
public final class TrainingMetrics {
  private static long steps;
  private static long clippedSteps;
  private static StepStats last;
  private static long plannedSteps = -1;
  private static String plannedLimit = "steps";

  private TrainingMetrics() {}

  /** Records one step; {@code clipped} says whether gradient clipping changed its gradients. */
  public static synchronized void onStep(StepStats stats, boolean clipped) {
    steps++;
    if (clipped) {
      clippedSteps++;
    }
    last = stats;
  }

  /**
   * Records that a fit starts that will take at most {@code steps} more steps, ended by the
   * {@code limit} named ({@code steps} or {@code epochs}) unless tol or early stopping end it sooner.
   */
  public static synchronized void onFitStart(long steps, String limit) {
    plannedSteps = steps;
    plannedLimit = limit;
  }

  /** The steps the most recently started fit plans to take ({@link #onFitStart}), or -1 before any. */
  public static synchronized long plannedSteps() {
    return plannedSteps;
  }

  /** Which limit ends the most recently started fit: {@code steps} or {@code epochs}. */
  public static synchronized String plannedLimit() {
    return plannedLimit;
  }

  /** Steps recorded so far in this JVM. */
  public static synchronized long steps() {
    return steps;
  }

  /** The last step's stats, or {@code null}. */
  public static synchronized StepStats lastStep() {
    return last;
  }

  /** Fraction of recorded steps whose gradients were clipped. */
  public static synchronized double fractionClipped() {
    return steps == 0 ? 0 : (double) clippedSteps / steps;
  }

  private static synchronized double fromLast(java.util.function.ToDoubleFunction<StepStats> f) {
    return last == null ? 0 : f.applyAsDouble(last);
  }

  /** Registers the gauges in a metric registry (the plugin's, on the driver). */
  public static void register(MetricRegistry registry) {
    registry.register("steps", (Gauge<Long>) TrainingMetrics::steps);
    registry.register("stepTimeMillis", (Gauge<Double>) () -> fromLast(s -> s.seconds() * 1000));
    registry.register("loss", (Gauge<Double>) () -> fromLast(StepStats::loss));
    registry.register("gradientNorm", (Gauge<Double>) () -> fromLast(StepStats::gradientNorm));
    registry.register("fractionClipped", (Gauge<Double>) TrainingMetrics::fractionClipped);
    registry.register("bytesAggregatedPerStep", (Gauge<Double>) () -> fromLast(s -> s.bytesAggregated()));
    registry.register("bytesBroadcastPerStep", (Gauge<Double>) () -> fromLast(s -> s.bytesBroadcast()));
    registry.register("examplesPerSecond",
        (Gauge<Double>) () -> fromLast(s -> s.seconds() > 0 ? s.examples() / s.seconds() : 0));
  }
}
