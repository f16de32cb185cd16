package io.meshgrad.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.meshgrad.SparkTestSession;
import io.meshgrad.data.TrainingData;
import io.meshgrad.testing.StandaloneCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageStatus;

/**
 * A driver in the test JVM for a {@link StandaloneCluster}. One SparkContext per JVM: the suite's
 * shared {@code local[2,4]} session is stopped first; the next {@link SparkTestSession#get()}
 * starts it again.
 */
final class ClusterSession {
  private ClusterSession() {}

  /** A session on {@code cluster} with {@code executors} executors registered (waits up to 90 s). */
  static SparkSession start(StandaloneCluster cluster, String appName, int executors, Map<String, String> conf) {
    SparkTestSession.stop();
    SparkSession.Builder b = SparkSession.builder().appName(appName);
    cluster.driverConf().forEach(b::config);
    b.config("spark.cores.max", Integer.toString(executors));
    conf.forEach(b::config);
    SparkSession spark = b.getOrCreate();
    try {
      if (!spark.sparkContext().master().equals(cluster.masterUrl())) {
        throw new IllegalStateException("getOrCreate() returned a session on " + spark.sparkContext().master()
            + ": another session is still running");
      }
      awaitExecutors(cluster, spark, executors, Duration.ofSeconds(90));
    } catch (RuntimeException e) {
      stop(spark);
      throw new IllegalStateException(e.getMessage() + "\n" + cluster.logTails(), e);
    }
    return spark;
  }

  /** Waits until {@code n} executors are registered with the driver. */
  static void awaitExecutors(StandaloneCluster cluster, SparkSession spark, int n, Duration timeout) {
    cluster.await(n + " executors registered with the driver", timeout,
        () -> spark.sparkContext().statusTracker().getExecutorInfos().length - 1 >= n);
  }

  /** Stops the session and forgets it as active/default, so that the next builder makes a new one. */
  static void stop(SparkSession spark) {
    if (spark != null) {
      spark.stop();
    }
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
  }

  /**
   * The end of a cluster test: closes {@code data} and stops {@code spark}, then, even if that
   * failed, deletes {@code tempDir} and closes the cluster, asserting that none of its processes is
   * still alive ({@link #closeAndAssertStopped}). Nulls are skipped.
   */
  static void tearDown(TrainingData data, SparkSession spark, Path tempDir, StandaloneCluster cluster) {
    try {
      if (data != null) {
        data.close();
      }
      stop(spark);
    } finally {
      StandaloneCluster.deleteRecursively(tempDir);
      closeAndAssertStopped(cluster);
    }
  }

  /**
   * Closes {@code cluster} (nothing if null) and asserts that none of its processes, nor their
   * descendants, is still alive: what every cluster test checks at the end.
   */
  static void closeAndAssertStopped(StandaloneCluster cluster) {
    if (cluster != null) {
      List<Long> pids = cluster.pids();
      cluster.close();
      assertFalse(cluster.anyAlive(), "processes of the test cluster still alive: " + pids);
    }
  }

  /** Number of cached RDD blocks each executor holds now, by executor id (test-only use of Spark internals). */
  static Map<String, Integer> rddBlocksByExecutor() {
    Map<String, Integer> out = new java.util.TreeMap<>();
    for (StorageStatus s : SparkEnv.get().blockManager().master().getStorageStatus()) {
      out.put(s.blockManagerId().executorId(), s.rddBlocks().size());
    }
    return out;
  }
}
