package io.meshgrad.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.meshgrad.loss.Instance;
import io.meshgrad.loss.InstanceBlock;
import io.meshgrad.support.ObjectBytes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;
import scala.Tuple3;

/**
 * The cached, validated training rows of one fit: a {@code JavaRDD<PartitionRows>} with exactly
 * one element per partition, persisted {@code MEMORY_AND_DISK}.
 *
 * <p><b>Partitioning.</b> Rows are numbered {@code 0 .. N-1} in the order of the input Dataset
 * (input partition by input partition, in each partition's order). Partition {@code p} of {@code
 * P} holds the {@code p}-th contiguous, balanced range of those numbers, in order: with {@code q
 * = N / P} and {@code r = N % P}, the first {@code r} partitions get {@code q + 1} rows and the
 * rest {@code q} (as {@link io.meshgrad.mesh.BalancedSplit} cuts a mesh axis). Rows are moved
 * there by a shuffle keyed on the row number and sorted by it within each partition, so the result
 * does not depend on shuffle fetch order: the same input and {@code P} always give the same rows
 * in the same partitions in the same order. (A DataFrame {@code repartition(P)} would not: it
 * deals rows round-robin after a shuffle whose order can vary.) This holds as far as the input's
 * own row order is deterministic; a Dataset whose rows come out of a shuffle in varying order
 * should be sorted, cached or checkpointed first.
 *
 * <p><b>Cost.</b> {@link #from} runs two jobs: one that counts and validates the rows of each
 * input partition (to number them, see {@link RowScan}), and one that packs and caches them and
 * returns each partition's row count and weight sum. The input is therefore evaluated twice. The
 * packing job moves the rows with one shuffle, of a few {@link RowChunk}s per input partition
 * (primitive arrays, not one object per row); when the input partitions already are the data
 * partitions (as many, each holding its balanced range, e.g. a Dataset that was laid out like this
 * before, or one input partition for {@code P = 1}), it packs them where they are, without a
 * shuffle, into the same blocks. A scale from the data ({@link FeatureScale#fromData}) takes no job
 * of its own up to {@link #SUMS_IN_SCAN_MAX_FEATURES} features: the counting job adds up its sums.
 *
 * <p><b>Validation.</b> Everything is checked before {@link #from} returns, so later steps cannot
 * fail on bad data: the schema, emptiness, the number of partitions, and every row (no nulls, the
 * features vector of the size of row 0's, finite features and labels, the label accepted by the
 * {@link LabelValidator}, finite weights {@code >= 0}, a positive total weight). Row errors name
 * the row's number, its input partition and position, the column and the value; the first bad
 * row of the input is reported. A bad row never fails a Spark task: the validating job returns
 * what it found and the error is raised on the driver, so Spark logs no executor error for it.
 *
 * <p>Not thread-safe for {@link #close()} racing other calls. Not serializable: capture {@link
 * #rdd()} or values, never this object, in Spark closures.
 */
public final class TrainingData implements AutoCloseable {

  /** The most features for which the counting job adds up a scale's sums (2 MiB a partition). */
  static final int SUMS_IN_SCAN_MAX_FEATURES = 1 << 17;

  private final JavaRDD<PartitionRows> rdd;
  private final int numFeatures;
  private final long[] rowsPerPartition;
  private final long numRows;
  private final double totalWeight;
  private volatile boolean closed;
  /** The scale applied to the features (set once by {@code from}). */
  private FeatureScale featureScale = FeatureScale.none();
  /** The scale as the packing tasks read it; kept while the blocks may be recomputed, destroyed by close. */
  /** The scale's bytes ({@link ObjectBytes}), broadcast; null without a scale. */
  private Broadcast<byte[]> shippedScale;

  private TrainingData(
      JavaRDD<PartitionRows> rdd,
      int numFeatures,
      long[] rowsPerPartition,
      long numRows,
      double totalWeight) {
    this.rdd = rdd;
    this.numFeatures = numFeatures;
    this.rowsPerPartition = rowsPerPartition;
    this.numRows = numRows;
    this.totalWeight = totalWeight;
  }

  /**
   * Validates, repartitions, packs into blocks of about 1 MiB and caches the training rows.
   *
   * @param data the training rows
   * @param featuresCol a column of {@code org.apache.spark.ml.linalg.SQLDataTypes.VectorType()}
   * @param labelCol a numeric column
   * @param weightCol a numeric column of row weights, or {@code null} for weight 1 everywhere
   * @param numPartitions the number of data partitions (a mesh's batch size), {@code 1 <= P <= N}
   * @param labelValidator checks each label, e.g. {@code loss::validateLabel}
   * @throws IllegalArgumentException for a missing or mistyped column, empty data, a bad {@code
   *     numPartitions}, or a bad row, with a message naming the column and, for rows, the row and
   *     value
   */
  public static TrainingData from(
      Dataset<Row> data,
      String featuresCol,
      String labelCol,
      String weightCol,
      int numPartitions,
      LabelValidator labelValidator) {
    return from(
        data,
        featuresCol,
        labelCol,
        weightCol,
        numPartitions,
        labelValidator,
        InstanceBlock.DEFAULT_MAX_BYTES,
        FeatureScale.none());
  }

  /**
   * As {@link #from(Dataset, String, String, String, int, LabelValidator)}, with the features
   * scaled by {@code scale} ({@link FeatureScale#fromData}: by the standard deviations of these
   * rows, computed after they are checked; {@link FeatureScale#of}: by a given scale); {@link
   * #featureScale()} tells the scale applied.
   */
  public static TrainingData from(
      Dataset<Row> data,
      String featuresCol,
      String labelCol,
      String weightCol,
      int numPartitions,
      LabelValidator labelValidator,
      FeatureScale scale) {
    return from(data, featuresCol, labelCol, weightCol, numPartitions, labelValidator,
        InstanceBlock.DEFAULT_MAX_BYTES, scale);
  }

  /** As the public {@code from}, with a chosen upper bound on a block's bytes (small blocks in tests). */
  public static TrainingData from(
      Dataset<Row> data,
      String featuresCol,
      String labelCol,
      String weightCol,
      int numPartitions,
      LabelValidator labelValidator,
      long maxBlockBytes) {
    return from(data, featuresCol, labelCol, weightCol, numPartitions, labelValidator, maxBlockBytes,
        FeatureScale.none());
  }

  private static TrainingData from(
      Dataset<Row> data,
      String featuresCol,
      String labelCol,
      String weightCol,
      int numPartitions,
      LabelValidator labelValidator,
      long maxBlockBytes,
      FeatureScale requestedScale) {
    if (data == null) {
      throw new IllegalArgumentException("data must be a Dataset, got null");
    }
    if (data.isStreaming()) {
      throw new IllegalArgumentException(
          "data must be a batch Dataset, got a streaming one (train on each micro-batch instead)");
    }
    if (labelValidator == null) {
      throw new IllegalArgumentException("labelValidator must be non-null, got null");
    }
    if (numPartitions < 1) {
      throw new IllegalArgumentException("numPartitions must be >= 1, got " + numPartitions);
    }
    Columns columns = new Columns(featuresCol, labelCol, weightCol);
    SchemaCheck.check(data.schema(), columns);
    JavaRDD<Row> rows = select(data, columns).javaRDD();
    // the scans come back as bytes, read here with this thread's class loader (see ObjectBytes)
    List<RowScan.Result> scans = new ArrayList<>();
    for (byte[] scan : unwrapTaskErrors(() -> rows.mapPartitionsWithIndex(
        new RowScan(columns, labelValidator,
            requestedScale.isPending() ? Math.min(requestedScale.maxFeatures(), SUMS_IN_SCAN_MAX_FEATURES) : -1),
        true)
        .map(ObjectBytes::write).collect())) {
      scans.add(ObjectBytes.read(scan, RowScan.Result.class, "a partition's row scan"));
    }
    InputScan input = InputScan.of(scans);
    checkSizes(input.numRows(), numPartitions);
    IllegalArgumentException badRow = firstBadRow(scans, input, columns);
    if (badRow != null) {
      throw badRow;
    }
    int numFeatures = input.firstSize();
    FeatureScale scale = requestedScale;
    if (scale.isPending()) {
      scale = !scale.allows(numFeatures) ? FeatureScale.none()
          : numFeatures <= SUMS_IN_SCAN_MAX_FEATURES ? standardDeviations(scans, numFeatures)
          : standardDeviations(rows, numFeatures);
    } else if (!scale.isNone() && scale.inverseStd().length != numFeatures) {
      throw new IllegalArgumentException("the feature scale has " + scale.inverseStd().length + " features, the rows "
          + numFeatures);
    }
    FeatureScale applied = scale;
    // the scale travels once (a broadcast) when there is one; without, the packing tasks use none
    // (as bytes, which each executor reads once with its own meshgrad classes: see ObjectBytes)
    Broadcast<byte[]> shippedScale = applied.isNone() ? null
        : JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext()).broadcast(ObjectBytes.write(applied));

    IndexRangePartitioner partitioner = new IndexRangePartitioner(input.numRows(), numPartitions);
    JavaRDD<PartitionRows> packed;
    if (partitioner.matches(input.counts())) {
      // the input partitions already are the data partitions: packed where they are, no shuffle
      packed = rows.mapPartitionsWithIndex(
          (p, it) -> List.of(pack(p, instances(it), numFeatures, maxBlockBytes, readScale(shippedScale))).iterator(),
          true);
    } else {
      RowNumbering numbering = new RowNumbering(input.counts(), input.starts(), partitioner, numFeatures);
      packed = JavaPairRDD.fromJavaRDD(rows.mapPartitionsWithIndex(numbering, false))
          .repartitionAndSortWithinPartitions(partitioner)
          .mapPartitionsWithIndex(
              (p, it) -> List.of(pack(p, chunkedRows(it), numFeatures, maxBlockBytes, readScale(shippedScale)))
                  .iterator(),
              true);
    }
    packed.setName(
        "meshgrad training data (" + input.numRows() + " rows, " + numPartitions
            + " partitions)");
    packed.persist(StorageLevel.MEMORY_AND_DISK());
    try {
      TrainingData out = materialize(packed, partitioner, columns, numFeatures, input.numRows());
      out.featureScale = applied;
      out.shippedScale = shippedScale;
      return out;
    } catch (Throwable e) { // Spark's failures (SparkException) are checked exceptions Scala throws undeclared
      packed.unpersist(false);
      if (shippedScale != null) {
        shippedScale.destroy();
      }
      throw e;
    }
  }

  /**
   * The standard deviation of every feature over the checked rows (weighted, unbiased as MLlib's),
   * as a {@link FeatureScale}: from the weight sums and each feature's sum and sum of squares that
   * the scan added up in each input partition, added here in partition order (so the same input
   * always gives the same scale).
   */
  private static FeatureScale standardDeviations(List<RowScan.Result> scans, int numFeatures) {
    double[] sums = ScaleSums.zero(numFeatures);
    for (RowScan.Result scan : scans) {
      if (scan.sums != null) {
        ScaleSums.add(sums, scan.sums);
      }
    }
    return ScaleSums.toScale(sums, numFeatures);
  }


  /**
   * As {@link #standardDeviations(List, int)}, for more than {@link #SUMS_IN_SCAN_MAX_FEATURES}
   * features, whose sums the scan does not return (P partitions' sums at once would be P times 16
   * bytes a feature on the driver): one tree aggregation over the rows, a job of its own, whose
   * partition sums Spark adds in the order their tasks end.
   */
  private static FeatureScale standardDeviations(JavaRDD<Row> rows, int numFeatures) {
    double[] sums = rows.treeAggregate(ScaleSums.zero(numFeatures), ScaleSums::addRow, ScaleSums::add, 2);
    return ScaleSums.toScale(sums, numFeatures);
  }


  /**
   * What the counting job found: rows per input partition, the global number of each input
   * partition's first row, and the features size of row 0 (-1 when null).
   */
  private record InputScan(long[] counts, long[] starts, long numRows, int firstSize) {

    /** From the scan of each input partition. */
    static InputScan of(List<RowScan.Result> counted) {
      long[] counts = new long[counted.size()];
      long[] starts = new long[counted.size()];
      long total = 0;
      int firstSize = -1;
      boolean found = false;
      for (int ip = 0; ip < counts.length; ip++) {
        starts[ip] = total;
        RowScan.Result scan = counted.get(ip);
        counts[ip] = scan.count;
        total += counts[ip];
        if (!found && counts[ip] > 0) {
          found = true;
          firstSize = scan.referencePosition == 0 ? scan.referenceSize : -1;
        }
      }
      return new InputScan(counts, starts, total, firstSize);
    }
  }

  /** Runs the job that validates, packs and caches, and checks what it returns. */
  private static TrainingData materialize(
      JavaRDD<PartitionRows> packed,
      IndexRangePartitioner partitioner,
      Columns columns,
      int numFeatures,
      long numRows) {
    List<Tuple3<Integer, Long, Double>> summaries =
        unwrapTaskErrors(
            () ->
                packed
                    .map(pr -> new Tuple3<>(pr.partition(), (long) pr.numRows(), pr.weightSum()))
                    .collect());
    int numPartitions = partitioner.numPartitions();
    long[] rowsPerPartition = new long[numPartitions];
    double totalWeight = 0.0;
    for (int p = 0; p < numPartitions; p++) {
      Tuple3<Integer, Long, Double> summary = summaries.get(p);
      rowsPerPartition[p] = summary._2();
      totalWeight += summary._3();
      if (summary._1() != p || rowsPerPartition[p] != partitioner.rowsOf(p)) {
        throw new IllegalStateException(
            "partition " + p + " of the training data holds " + rowsPerPartition[p]
                + " rows, expected " + partitioner.rowsOf(p) + ": the input Dataset is not"
                + " deterministic; cache or checkpoint it before training");
      }
    }
    if (!(totalWeight > 0.0)) {
      throw new IllegalArgumentException(
          "the training data has zero total weight: weight column '" + columns.weightName()
              + "' must be > 0 in at least one of the " + numRows + " rows, got all 0");
    }
    return new TrainingData(packed, numFeatures, rowsPerPartition, numRows, totalWeight);
  }

  /** The cached rows: one {@link PartitionRows} per partition, partition {@code p} at index p. */
  public JavaRDD<PartitionRows> rdd() {
    checkOpen();
    return rdd;
  }

  /**
   * The scale the features were multiplied by when packed ({@link FeatureScale#none()} unless
   * {@code from} was given one); a fit on these rows has weights on that scale.
   */
  public FeatureScale featureScale() {
    checkOpen();
    return featureScale;
  }

  /** Size of every row's features vector (that of the first row). */
  public int numFeatures() {
    checkOpen();
    return numFeatures;
  }

  public long numRows() {
    checkOpen();
    return numRows;
  }

  /** Number of rows of each partition (a copy). */
  public long[] rowsPerPartition() {
    checkOpen();
    return rowsPerPartition.clone();
  }

  /** Sum of all row weights, partition sums added in partition order. */
  public double totalWeight() {
    checkOpen();
    return totalWeight;
  }

  public int numPartitions() {
    checkOpen();
    return rowsPerPartition.length;
  }

  public boolean isClosed() {
    return closed;
  }

  /** Unpersists the cached rows; idempotent. Afterwards every accessor throws. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      rdd.unpersist(false);
      if (shippedScale != null) {
        shippedScale.destroy();
      }
    }
  }

  @Override
  public String toString() {
    return "TrainingData(" + numRows + " rows, " + numFeatures + " features, "
        + rowsPerPartition.length + " partitions, totalWeight=" + totalWeight
        + (closed ? ", closed" : "") + ")";
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this TrainingData is closed: its cached rows are gone");
    }
  }

  private static Dataset<Row> select(Dataset<Row> data, Columns columns) {
    Column weight =
        columns.weight() == null
            ? lit(1.0)
            : col(quote(columns.weight())).cast(DataTypes.DoubleType);
    return data.select(
        col(quote(columns.features())),
        col(quote(columns.label())).cast(DataTypes.DoubleType),
        weight);
  }

  private static String quote(String name) {
    return "`" + name.replace("`", "``") + "`";
  }

  /**
   * The first bad row of the input (the smallest row number), as the error to throw, or null when
   * every row is good. Besides what each partition's scan found, a partition whose first features
   * vector has another size than row 0's is bad at that row.
   */
  private static IllegalArgumentException firstBadRow(List<RowScan.Result> scans, InputScan input, Columns columns) {
    for (int ip = 0; ip < scans.size(); ip++) {
      RowScan.Result scan = scans.get(ip);
      long position = scan.badPosition;
      String problem = scan.problem;
      if (scan.referenceSize >= 0 && scan.referenceSize != input.firstSize()
          && (position < 0 || scan.referencePosition < position)) {
        position = scan.referencePosition;
        problem = RowScan.sizeProblem(columns, input.firstSize(), scan.referenceSize);
      }
      if (position >= 0) {
        long index = input.starts()[ip] + position;
        if (problem == null) {
          problem = RowScan.nullProblem(columns, index, input.firstSize());
        }
        return new IllegalArgumentException(RowScan.where(index, ip, position) + ": " + problem);
      }
    }
    return null;
  }

  private static void checkSizes(long numRows, int numPartitions) {
    if (numRows == 0) {
      throw new IllegalArgumentException(
          "the training data is empty: expected at least 1 row, got 0");
    }
    if (numPartitions > numRows) {
      throw new IllegalArgumentException(
          "numPartitions (the mesh's batch dimension) must be <= the number of rows, got "
              + numPartitions + " partitions for " + numRows + " rows: the batch dimension is"
              + " larger than the data");
    }
    long largest = (numRows + numPartitions - 1) / numPartitions;
    if (largest > BatchPlan.MAX_PARTITION_ROWS) {
      throw new IllegalArgumentException(
          "a partition can hold at most " + BatchPlan.MAX_PARTITION_ROWS + " rows, got "
              + numRows + " rows in " + numPartitions + " partitions (" + largest
              + " in the largest); use more partitions");
    }
  }

  private static PartitionRows pack(
      int partition, Iterator<Instance> rows, int numFeatures, long maxBytes, FeatureScale scale) {
    Iterator<Instance> instances =
        new Iterator<>() {
          @Override
          public boolean hasNext() {
            return rows.hasNext();
          }

          @Override
          public Instance next() {
            return scale.apply(rows.next());
          }
        };
    List<InstanceBlock> blocks = new ArrayList<>();
    InstanceBlock.blockify(instances, numFeatures, maxBytes).forEachRemaining(blocks::add);
    return new PartitionRows(partition, numFeatures, blocks);
  }

  /** The scale as a packing task reads it: none without a broadcast. */
  private static FeatureScale readScale(Broadcast<byte[]> shippedScale) {
    return shippedScale == null ? FeatureScale.none()
        : ObjectBytes.readShared(shippedScale.value(), FeatureScale.class, "the feature scale");
  }

  /** The checked input rows (features, label, weight) as instances. */
  private static Iterator<Instance> instances(Iterator<Row> rows) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Instance next() {
        Row row = rows.next();
        return new Instance(row.getDouble(1), row.getDouble(2), (Vector) row.get(0));
      }
    };
  }

  /** The rows of chunks sorted by their first row's number, in order. */
  private static Iterator<Instance> chunkedRows(Iterator<Tuple2<Long, RowChunk>> chunks) {
    return new Iterator<>() {
      private Iterator<Instance> current = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && chunks.hasNext()) {
          current = chunks.next()._2().rows();
        }
        return current.hasNext();
      }

      @Override
      public Instance next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return current.next();
      }
    };
  }

  /**
   * Runs Spark jobs, rethrowing an {@link IllegalArgumentException} or {@link
   * IllegalStateException} raised in a task as that type with its own message (Spark wraps it in
   * a {@code SparkException}, which stays attached as the cause).
   */
  static <T> T unwrapTaskErrors(Supplier<T> jobs) {
    try {
      return jobs.get();
    } catch (Exception e) {
      if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
        throw e;
      }
      for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
        if (c instanceof IllegalArgumentException) {
          throw new IllegalArgumentException(c.getMessage(), e);
        }
        if (c instanceof IllegalStateException) {
          throw new IllegalStateException(c.getMessage(), e);
        }
      }
      throw e;
    }
  }
}
