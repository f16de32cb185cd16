package io.meshgrad.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.util.concurrent.atomic.LongAdder;

/**
 * Executor-side counters of this JVM: rows whose loss and gradient were computed, and bytes of
 * partial gradient sums produced. Published by {@link MeshgradPlugin}'s executor part.
 */
public final class ExecutorMetrics {
  private static final LongAdder ROWS = new LongAdder();
  private static final LongAdder PARTIAL_BYTES = new LongAdder();

  private ExecutorMetrics() {}

  /** Called by a data partition's task after computing its partial sums. */
  public static void onPartial(long rows, long bytes) {
    ROWS.add(rows);
    PARTIAL_BYTES.add(bytes);
  }

  public static long rows() {
    return ROWS.sum();
  }

  public static long partialBytes() {
    return PARTIAL_BYTES.sum();
  }

  public static void register(MetricRegistry registry) {
    registry.register("rowsProcessed", (Gauge<Long>) ExecutorMetrics::rows);
    registry.register("partialGradientBytes", (Gauge<Long>) ExecutorMetrics::partialBytes);
  }
}
