package io.meshgrad;

import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;

/** For tests that watch Spark's jobs, stages or tasks through a {@link SparkListener}. */
public final class SparkListeners {
  private SparkListeners() {}

  /**
   * Removes {@code listener} from {@code sc} once the listener bus, which delivers asynchronously,
   * has delivered every event posted so far (it is removed even when waiting fails).
   */
  public static void removeWhenDelivered(SparkContext sc, SparkListener listener) {
    try {
      sc.listenerBus().waitUntilEmpty();
    } catch (TimeoutException e) {
      throw new IllegalStateException(e);
    } finally {
      sc.removeSparkListener(listener);
    }
  }
}
