package io.meshgrad.train;

import io.meshgrad.SparkListeners;
import io.meshgrad.SparkTestSession;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.JobSucceeded$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;

/**
 * The descriptions of the jobs that ran steps ({@code "meshgrad step..."}), and how many jobs
 * failed, on the shared test session while watched ({@link #watch} to {@link #stop}).
 */
final class StepJobs extends SparkListener {
  private final List<String> descriptions = Collections.synchronizedList(new ArrayList<>());
  /** Jobs that did not succeed. */
  final AtomicInteger failed = new AtomicInteger();

  private StepJobs() {}

  /** Starts watching the shared session's jobs. */
  static StepJobs watch() {
    StepJobs j = new StepJobs();
    SparkTestSession.get().sparkContext().addSparkListener(j);
    return j;
  }

  /** Stops watching, once the listener bus has delivered the events of the jobs run so far. */
  void stop() {
    SparkListeners.removeWhenDelivered(SparkTestSession.get().sparkContext(), this);
  }

  @Override
  public void onJobStart(SparkListenerJobStart start) {
    String d = start.properties() == null ? null : start.properties().getProperty("spark.job.description");
    if (d != null && d.startsWith("meshgrad step")) {
      descriptions.add(d);
    }
  }

  @Override
  public void onJobEnd(SparkListenerJobEnd end) {
    if (!(end.jobResult() instanceof JobSucceeded$)) {
      failed.incrementAndGet();
    }
  }

  /** The step jobs' descriptions, in the order they started. */
  List<String> stepJobs() {
    return new ArrayList<>(descriptions);
  }
}
