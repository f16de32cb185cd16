package io.meshgrad.examples.bench;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerBlockUpdated;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.storage.BlockUpdatedInfo;

/**
 * Counts, from Spark's own events, what moves during a measured region, for both sides alike:
 * <ul>
 *   <li>result bytes: {@code taskMetrics.resultSize}, the serialized task results that reach the
 *       driver (gradient sums, collected values);</li>
 *   <li>broadcast bytes: the sizes of the broadcast pieces written ({@code broadcast_N_pieceM}
 *       block updates), i.e. the serialized, compressed ({@code spark.broadcast.compress}) bytes
 *       that each executor fetches once; in local mode they are written once and not fetched;</li>
 *   <li>shuffle bytes written, jobs and tasks;</li>
 *   <li>time: job wall time (start to end event), task run time, task (de)serialization time, so
 *       that a step splits into time in jobs and time on the driver between them.</li>
 * </ul>
 * No hook in meshgrad is needed. Read with {@link #snapshot()}, which waits for the listener bus
 * to drain first.
 */
final class SparkBytes extends SparkListener {
  private final SparkContext sc;
  private final AtomicLong resultBytes = new AtomicLong();
  private final AtomicLong broadcastBytes = new AtomicLong();
  private final AtomicLong shuffleBytes = new AtomicLong();
  private final AtomicLong jobs = new AtomicLong();
  private final AtomicLong tasks = new AtomicLong();
  private final AtomicLong jobMillis = new AtomicLong();
  private final AtomicLong taskRunMillis = new AtomicLong();
  private final AtomicLong taskOverheadMillis = new AtomicLong();
  private final java.util.Map<Integer, Long> jobStarts = new java.util.concurrent.ConcurrentHashMap<>();

  private SparkBytes(SparkContext sc) {
    this.sc = sc;
  }

  static SparkBytes attach(SparkContext sc) {
    SparkBytes b = new SparkBytes(sc);
    sc.addSparkListener(b);
    return b;
  }

  /**
   * Counters at one moment. {@code jobMillis}: wall time from job start to job end, summed over
   * jobs (from the events' timestamps); {@code taskRunMillis}: the tasks' {@code executorRunTime};
   * {@code taskOverheadMillis}: their deserialization and result serialization time.
   */
  record Snapshot(long resultBytes, long broadcastBytes, long shuffleBytes, long jobs, long tasks, long jobMillis,
      long taskRunMillis, long taskOverheadMillis) {
    static final Snapshot ZERO = new Snapshot(0, 0, 0, 0, 0, 0, 0, 0);

    Snapshot minus(Snapshot o) {
      return new Snapshot(resultBytes - o.resultBytes, broadcastBytes - o.broadcastBytes,
          shuffleBytes - o.shuffleBytes, jobs - o.jobs, tasks - o.tasks, jobMillis - o.jobMillis,
          taskRunMillis - o.taskRunMillis, taskOverheadMillis - o.taskOverheadMillis);
    }
  }

  /** The counters once every event posted so far has been seen. */
  Snapshot snapshot() {
    try {
      // private[spark] in Scala, public in bytecode: the only way to know the counts are complete
      sc.listenerBus().waitUntilEmpty(30_000L);
    } catch (Exception e) {
      throw new IllegalStateException("the Spark listener bus did not drain in 30 s", e);
    }
    return new Snapshot(resultBytes.get(), broadcastBytes.get(), shuffleBytes.get(), jobs.get(), tasks.get(),
        jobMillis.get(), taskRunMillis.get(), taskOverheadMillis.get());
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
    tasks.incrementAndGet();
    TaskMetrics m = taskEnd.taskMetrics();
    if (m != null) {
      resultBytes.addAndGet(m.resultSize());
      shuffleBytes.addAndGet(m.shuffleWriteMetrics().bytesWritten());
      taskRunMillis.addAndGet(m.executorRunTime());
      taskOverheadMillis.addAndGet(m.executorDeserializeTime() + m.resultSerializationTime());
    }
  }

  @Override
  public void onJobStart(SparkListenerJobStart jobStart) {
    jobs.incrementAndGet();
    jobStarts.put(jobStart.jobId(), jobStart.time());
  }

  @Override
  public void onJobEnd(SparkListenerJobEnd jobEnd) {
    Long start = jobStarts.remove(jobEnd.jobId());
    if (start != null) {
      jobMillis.addAndGet(jobEnd.time() - start);
    }
  }

  @Override
  public void onBlockUpdated(SparkListenerBlockUpdated event) {
    BlockUpdatedInfo info = event.blockUpdatedInfo();
    if (info.blockId().isBroadcast() && info.blockId().name().contains("_piece") && info.storageLevel().isValid()) {
      broadcastBytes.addAndGet(info.memSize() + info.diskSize());
    }
  }
}
