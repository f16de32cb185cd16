package io.meshgrad;

import io.meshgrad.loss.Instance;
import java.util.ArrayList;
import java.util.List;
import org.apache.log4j.Level;
import org.apache.log4j.Logger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** A quiet {@code local[2]} SparkSession for a test class, and DataFrames of training rows. */
public final class LocalSpark {
  public static final StructType SCHEMA =
      new StructType()
          .add("features", SQLDataTypes.VectorType())
          .add("label", DataTypes.DoubleType)
          .add("w", DataTypes.DoubleType);

  private static final String[] TASK_FAILURE_LOGGERS = {
    "org.apache.spark.executor.Executor",
    "org.apache.spark.scheduler.TaskSetManager",
    // a failed shuffle-map task tries to delete temp files it never created
    "org.apache.spark.storage.DiskBlockObjectWriter"
  };

  private LocalSpark() {}

  /**
   * Stops a session of its own (the shared one stays for other tests) and gives the task-failure
   * loggers back their configured level.
   */
  public static void stop(SparkSession spark) {
    if (!SparkTestSession.isShared(spark)) {
      spark.stop();
    }
    for (String name : TASK_FAILURE_LOGGERS) {
      Logger.getLogger(name).setLevel(null);
    }
  }

  /**
   * The shared test session, or, when {@code conf} holds extra key, value pairs, a session of its
   * own with them (the shared one is stopped first: one SparkContext per JVM).
   */
  public static SparkSession start(String appName, String... conf) {
    // The tests provoke task failures on purpose; their stack traces reach the test as the cause.
    for (String name : TASK_FAILURE_LOGGERS) {
      Logger.getLogger(name).setLevel(Level.OFF);
    }
    if (conf.length == 0) {
      return SparkTestSession.get();
    }
    SparkTestSession.stop();
    SparkSession.Builder builder =
        SparkSession.builder()
            .master("local[2]")
            .appName(appName)
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "4");
    for (int i = 0; i < conf.length; i += 2) {
      builder.config(conf[i], conf[i + 1]);
    }
    return builder.getOrCreate();
  }

  /** The rows as a DataFrame of {@link #SCHEMA} with {@code inputPartitions} partitions. */
  public static Dataset<Row> frame(SparkSession spark, List<Instance> rows, int inputPartitions) {
    List<Row> out = new ArrayList<>(rows.size());
    for (Instance row : rows) {
      out.add(RowFactory.create(row.features(), row.label(), row.weight()));
    }
    return frameOfRows(spark, out, inputPartitions);
  }

  public static Dataset<Row> frameOfRows(SparkSession spark, List<Row> rows, int inputPartitions) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    return spark.createDataFrame(jsc.parallelize(rows, inputPartitions), SCHEMA);
  }
}
