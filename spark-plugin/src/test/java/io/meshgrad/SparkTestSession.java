package io.meshgrad;

import org.apache.spark.sql.SparkSession;

/**
 * One local Spark session ({@code local[2,4]}: two cores, a task may fail up to 4 times) shared by the tests of a JVM, created on first use
 * and stopped at JVM exit; tests must release what they cache.
 */
public final class SparkTestSession {
  private static SparkSession session;

  private SparkTestSession() {}

  public static synchronized SparkSession get() {
    if (session == null || session.sparkContext().isStopped()) {
      session = SparkSession.builder()
          .master("local[2,4]")
          .appName("meshgrad-tests")
          .config("spark.ui.enabled", "false")
          .config("spark.sql.shuffle.partitions", "4")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .getOrCreate();
      SparkSession created = session;
      Runtime.getRuntime().addShutdownHook(new Thread(created::stop));
    }
    return session;
  }

  /** Whether {@code spark} is the shared session. */
  public static synchronized boolean isShared(SparkSession spark) {
    return spark == session;
  }

  /** Stops the shared session, for a test that needs its own configuration; {@link #get()} starts a new one. */
  public static synchronized void stop() {
    if (session != null) {
      session.stop();
      session = null;
    }
  }
}
