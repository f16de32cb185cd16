package io.meshgrad.examples.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * What a suite runs with: the size profile ({@link Mode}), the Spark session (started on first use,
 * so the kernel suite runs without one), the byte counter on it, the data folder and a log.
 */
final class BenchContext {

  /** Sizes and repetitions: {@code FULL} (default), {@code QUICK} ({@code --quick}), {@code SMOKE} (tests). */
  enum Mode {
    SMOKE, QUICK, FULL;

    /** The value for this mode. */
    <T> T pick(T smoke, T quick, T full) {
      return switch (this) {
        case SMOKE -> smoke;
        case QUICK -> quick;
        case FULL -> full;
      };
    }

    int pick(int smoke, int quick, int full) {
      return this == SMOKE ? smoke : this == QUICK ? quick : full;
    }
  }

  private final Mode mode;
  private final String master;
  private final Integer partitionsOption;
  private final Integer repsOption;
  private final Integer stepsOption;
  private final Integer rowsOption;
  private final String only;
  private final String cases;
  private final Path dataDirOption;
  private final PrintStream log;
  private final Supplier<SparkSession> sessionFactory;
  private SparkSession spark;
  private SparkBytes bytes;

  BenchContext(Mode mode, String master, Integer partitions, Integer reps, Integer steps, String only, String cases,
      Path dataDir, Integer rows, PrintStream log, Supplier<SparkSession> sessionFactory) {
    this.rowsOption = rows;
    this.only = only;
    this.cases = cases;
    this.mode = mode;
    this.master = master;
    this.partitionsOption = partitions;
    this.repsOption = reps;
    this.stepsOption = steps;
    this.dataDirOption = dataDir;
    this.log = log;
    this.sessionFactory = sessionFactory;
  }

  Mode mode() {
    return mode;
  }

  String master() {
    return master;
  }

  /** The session; started (with the byte counter attached) on first use. */
  synchronized SparkSession spark() {
    if (spark == null) {
      spark = sessionFactory.get();
      bytes = SparkBytes.attach(spark.sparkContext());
    }
    return spark;
  }

  JavaSparkContext jsc() {
    return JavaSparkContext.fromSparkContext(spark().sparkContext());
  }

  boolean sparkStarted() {
    return spark != null;
  }

  /** Counts task result bytes, broadcast bytes and shuffle bytes of the jobs run. */
  SparkBytes bytes() {
    spark();
    return bytes;
  }

  /** Data partitions (the mesh's batch size): {@code --partitions}, else Spark's default parallelism. */
  int partitions() {
    return partitionsOption != null ? partitionsOption : spark().sparkContext().defaultParallelism();
  }

  /** Recorded repetitions: {@code --reps}, else the suite's default for the mode. */
  int reps(int smoke, int quick, int full) {
    return repsOption != null ? repsOption : mode.pick(smoke, quick, full);
  }

  /** Warm-up rounds (not recorded). */
  int warmup(int smoke, int quick, int full) {
    return mode.pick(smoke, quick, full);
  }

  /** Steps per repetition: {@code --steps}, else the suite's default for the mode. */
  int steps(int smoke, int quick, int full) {
    return stepsOption != null ? stepsOption : mode.pick(smoke, quick, full);
  }

  /** Rows of a generated data set: {@code --rows}, else the suite's default for the mode. */
  long rows(long smoke, long quick, long full) {
    return rowsOption != null ? rowsOption : mode.pick(smoke, quick, full);
  }

  /** Whether to run the suite's cases of {@code group} ({@link Suite#caseGroups}): {@code --cases GROUP} runs one. */
  boolean runsCases(String group) {
    return cases == null || cases.equals(group);
  }

  /** Whether to run this side ({@code "meshgrad"} or {@code "peer"}): {@code --only} runs one, for profiling. */
  boolean runs(String side) {
    return only == null || only.equals(side);
  }

  Path dataDir() {
    return DataDir.resolve(dataDirOption);
  }

  /** A progress line on the log stream (stderr for the command line). */
  void log(String format, Object... args) {
    log.println(String.format(format, args));
    log.flush();
  }

  void stopOwnedSession(boolean owned) {
    if (owned && spark != null) {
      spark.stop();
    }
    if (bytes != null && spark != null && !spark.sparkContext().isStopped()) {
      spark.sparkContext().removeSparkListener(bytes);
    }
  }
}
