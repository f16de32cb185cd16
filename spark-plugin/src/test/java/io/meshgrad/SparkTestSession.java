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
    if (session == null) {
      session = SparkSession.builder()
          .master("local[2,4]")
          .appName("meshgrad-tests")
          .config("spark.ui.enabled", "false")
          .config("spark.sql.shuffle.partitions", "4")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .getOrCreate();
      Runtime.getRuntime().addShutdownHook(new Thread(session::stop));
    }
    return session;
  }
}
