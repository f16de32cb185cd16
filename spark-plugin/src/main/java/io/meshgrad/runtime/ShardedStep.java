package io.meshgrad.runtime;

import io.meshgrad.mesh.ShardedShape;
import io.meshgrad.optimizer.GradientClipping;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * One optimizer step on variables sharded across a state RDD (one shard per partition, see
 * {@link ShardIndex}):
 * <ol>
 *   <li>gradients reach the shards: data partitions' sums are reduce-scattered to the shards
 *       ({@link #reduceScatter}, a shuffle whose fan-in per level is bounded by the aggregation
 *       depth, summed in source-partition order), or whole gradients given on the driver are cut
 *       into shards ({@link #scatter});</li>
 *   <li>with {@code clipnorm}/{@code global_clipnorm}, each shard's gradient is materialised and
 *       its sum of squares (one scalar per shard) goes to the driver, which computes the clipping
 *       transforms (job 1);</li>
 *   <li>each shard applies {@link Optimizer#applyToVariable} (weight decay, Adagrad, EMA) where it
 *       lives, into new chunks for what it changes ({@link VariableShard#afterStep}), and the
 *       new values come back to the driver for the next broadcast (the last job); for a variable
 *       the driver holds no copy of, instead the rows of the next step's batch that the data
 *       partitions asked for along with their sums ({@link RowAnswer}).</li>
 * </ol>
 * So a step is one Spark job, two with norm clipping. Everything is summed in a fixed order, so
 * results are bit-identical whatever the task timing and after retries.
 */
public final class ShardedStep implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ShardIndex index;
  private final int aggregationDepth;

  /**
   * @param aggregationDepth as MLlib's {@code aggregationDepth}: {@code >= 2} adds intermediate
   *     levels when there are many data partitions, bounding the fan-in of each sum
   */
  public ShardedStep(ShardIndex index, int aggregationDepth) {
    if (aggregationDepth < 1) {
      throw new IllegalArgumentException("aggregationDepth must be >= 1, got " + aggregationDepth);
    }
    this.index = index;
    this.aggregationDepth = aggregationDepth;
  }

  /**
   * The outcome of a step: the new state (persisted, materialised), what came to the driver, and,
   * when the lineage was cut without a checkpoint directory, the driver-held shards the new state
   * starts from (to destroy once a later cut makes them unneeded; otherwise null).
   */
  public record Result(JavaRDD<VariableShard> state, List<ShardUpdate> updates, ShardIndex index, ShardStepStats stats,
      Map<Integer, Double> gradientSumsOfSquares, DriverHeldShards<VariableShard> restartedFrom,
      Map<Integer, RowAnswer> rowAnswers) {
    /**
     * The outcome of a step from its updated shards' {@code updates} (in state partition order):
     * the batch's sums and each variable's gradient sum of squares added in that order.
     */
    public static Result of(JavaRDD<VariableShard> state, List<ShardUpdate> updates, ShardIndex index,
        DriverHeldShards<VariableShard> restartedFrom, Map<Integer, RowAnswer> rowAnswers) {
      ShardStepStats stats = new ShardStepStats(0, 0, 0, 0, 0, 0);
      Map<Integer, Double> sumsOfSquares = new HashMap<>();
      for (ShardUpdate u : updates) {
        stats = stats.plus(u.stats());
        sumsOfSquares.merge(u.variable(), u.stats().gradientSumOfSquares, Double::sum);
      }
      return new Result(state, updates, index, stats, sumsOfSquares, restartedFrom, rowAnswers);
    }

    /**
     * Writes the updated shards' new values into {@code values} (whole variables, by runtime
     * index; a {@code null} entry, a variable the driver does not hold, is skipped).
     */
    public void applyNewValues(List<Tensor> values) {
      for (ShardUpdate u : updates) {
        if (values.get(u.variable()) != null) {
          u.applyTo(values.get(u.variable()), index.shape(u.variable()));
        }
      }
    }

    /** Bytes of new values (and their positions) that reached the driver. */
    public long bytesToDriver() {
      long n = 0;
      for (ShardUpdate u : updates) {
        n += u.byteSize();
      }
      return n;
    }

    /** Bytes of new arrays the updated shards wrote (chunks not shared with the state before). */
    public long bytesWrittenOnShards() {
      long n = 0;
      for (ShardUpdate u : updates) {
        n += u.bytesWritten();
      }
      return n;
    }

    /** The batch's {@code sum_i a_i loss_i}. */
    public double lossSum() {
      return stats.lossSum;
    }

    /** The batch's {@code sum_i a_i}. */
    public double weightSum() {
      return stats.weightSum;
    }

    /** Rows in the batch. */
    public long count() {
      return stats.count;
    }

    /** L2 norm of the whole unclipped gradient. */
    public double gradientNorm() {
      return Math.sqrt(stats.gradientSumOfSquares);
    }

    /** L2 norm of one variable's unclipped gradient (0 if it was not updated). */
    public double gradientNorm(int variable) {
      return Math.sqrt(gradientSumsOfSquares.getOrDefault(variable, 0.0));
    }

    public double gradientMaxAbs() {
      return stats.gradientMaxAbs;
    }

    /** Bytes of partial sums that reached the shards. */
    public long bytesAggregated() {
      return stats.bytesReceived;
    }
  }

  /**
   * Routes each data partition's sums to the shards of the variables they belong to.
   *
   * @param variables runtime variable index of each position of {@link PartialSums#gradients()}
   * @param penalties regularisation per position ({@link Penalty#NONE} for unregularised variables)
   * @param numSources number of data partitions
   * @return one {@link ShardInput} per state partition
   */
  public JavaRDD<ShardInput> reduceScatter(JavaRDD<PartialSums> partials, int[] variables, Penalty[] penalties,
      int numSources) {
    return reduceScatter(partials, null, null, variables, penalties, numSources);
  }

  /**
   * {@link #reduceScatter(JavaRDD, int[], Penalty[], int)}, and each data partition also asks the
   * shards of the variables at the positions {@code asking} for its rows of the next step: {@code
   * nextRows} has one element per data partition, as {@link DatasetLoss#batchRows} (computed in
   * the same tasks as the sums); the shards' {@link ShardInput#nextRows} then hold the requests.
   *
   * @param nextRows {@code null}: no requests
   */
  public JavaRDD<ShardInput> reduceScatter(JavaRDD<PartialSums> partials, JavaRDD<int[]> nextRows, boolean[] asking,
      int[] variables, Penalty[] penalties, int numSources) {
    ShardIndex idx = index;
    JavaRDD<Tuple2<Integer, ShardPartial>> pieces = nextRows == null
        ? StepJobs.mapPartitionsWithIndex(partials, (source, it) -> {
          List<Tuple2<Integer, ShardPartial>> out = new ArrayList<>();
          it.forEachRemaining(sums -> out.addAll(route(idx, variables, sums, null, null)));
          return out.iterator();
        }, false)
        : StepJobs.zipPartitions(partials, nextRows, (sums, next) -> {
          List<Tuple2<Integer, ShardPartial>> out = new ArrayList<>();
          while (sums.hasNext()) {
            out.addAll(route(idx, variables, sums.next(), asking, next.next()));
          }
          return out.iterator();
        });
    JavaPairRDD<Integer, ShardPartial> routed = JavaPairRDD.fromJavaRDD(pieces);
    int sources = numSources;
    int scale = levelScale(numSources);
    while (addsLevel(sources, scale)) {
      routed = sumGroups(routed, scale);
      sources = (sources + scale - 1) / scale;
    }
    Map<Integer, Penalty> regByPartition = new HashMap<>();
    for (int pos = 0; pos < variables.length; pos++) {
      for (int s = 0; s < idx.shape(variables[pos]).numShards(); s++) {
        regByPartition.put(idx.partitionOf(variables[pos], s), penalties[pos]);
      }
    }
    JavaPairRDD<Integer, ShardPartial> atShards = routed.partitionBy(new ShardPartitioner(idx.numPartitions()));
    return StepJobs.mapPartitionsWithIndex(JavaRDD.fromRDD(atShards.rdd(), atShards.classTag()), (p, it) -> {
      if (!regByPartition.containsKey(p)) {
        return List.<ShardInput>of(new ShardInput.None()).iterator();
      }
      List<ShardPartial> parts = new ArrayList<>();
      it.forEachRemaining(t -> parts.add(t._2()));
      ShardPartial.Sum sum = ShardPartial.sumInSourceOrder(parts, idx.shape(idx.variableOf(p)).shardShape(idx.shardOf(p)));
      return List.<ShardInput>of(new ShardInput.Summed(sum, regByPartition.get(p))).iterator();
    }, true);
  }

  /** How many sources each intermediate level of the reduce-scatter sums into one (fixed for all levels). */
  private int levelScale(int numSources) {
    return Math.max((int) Math.ceil(Math.pow(numSources, 1.0 / aggregationDepth)), 2);
  }

  /** Whether {@code sources} partials per shard get another intermediate level before the shard sums them. */
  private boolean addsLevel(int sources, int scale) {
    return aggregationDepth > 1 && sources > scale + (sources + scale - 1) / scale;
  }

  /**
   * The sum at state partition {@code partition} of every source's partial for it, computed in
   * this process exactly as {@link #reduceScatter} computes it across the cluster: the same
   * intermediate levels (groups of {@code scale} consecutive sources), each group and the last
   * level added in source order ({@link ShardPartial#sumInSourceOrder}). What a task of the
   * many-steps-per-job engine that owns the shard does with the partials its peers sent it.
   *
   * @param partials one per data partition (source), in any order
   */
  public ShardPartial.Sum sumInProcess(int partition, List<ShardPartial> partials, int numSources) {
    int[] shardShape = index.shape(index.variableOf(partition)).shardShape(index.shardOf(partition));
    List<ShardPartial> level = partials;
    int sources = numSources;
    int scale = levelScale(numSources);
    while (addsLevel(sources, scale)) {
      java.util.TreeMap<Integer, List<ShardPartial>> groups = new java.util.TreeMap<>();
      for (ShardPartial p : level) {
        groups.computeIfAbsent(p.source() / scale, g -> new ArrayList<>()).add(p);
      }
      List<ShardPartial> next = new ArrayList<>();
      groups.forEach((g, parts) -> next.add(ShardPartial.ofSum(g, ShardPartial.sumInSourceOrder(parts, shardShape))));
      level = next;
      sources = (sources + scale - 1) / scale;
    }
    return ShardPartial.sumInSourceOrder(level, shardShape);
  }

  /**
   * One data partition's sums cut into per-shard partials, keyed by state partition; at the
   * positions {@code asking}, each partial also asks its shard for the shard's part of {@code
   * nextRows} (the partition's next batch rows; {@code null}: every row).
   */
  static List<Tuple2<Integer, ShardPartial>> route(ShardIndex idx, int[] variables, PartialSums sums,
      boolean[] asking, int[] nextRows) {
    List<Tuple2<Integer, ShardPartial>> out = new ArrayList<>();
    for (int pos = 0; pos < variables.length; pos++) {
      ShardedShape shape = idx.shape(variables[pos]);
      ShardPartial[] pieces = ShardPartial.split(sums, pos, shape);
      boolean asks = asking != null && asking[pos];
      int[][] requests = asks && nextRows != null ? RowPull.requests(nextRows, shape) : null;
      for (int s = 0; s < pieces.length; s++) {
        ShardPartial piece = asks ? pieces[s].askingFor(requests == null ? null : requests[s]) : pieces[s];
        out.add(new Tuple2<>(idx.partitionOf(variables[pos], s), piece));
      }
    }
    return out;
  }

  /** One intermediate level: sums partials of {@code scale} consecutive sources per shard, in source order. */
  private JavaPairRDD<Integer, ShardPartial> sumGroups(JavaPairRDD<Integer, ShardPartial> routed, int scale) {
    ShardIndex idx = index;
    return routed
        .mapToPair(t -> new Tuple2<>(new Tuple2<>(t._1(), t._2().source() / scale), t._2()))
        .groupByKey()
        .mapToPair(t -> {
          int p = t._1()._1();
          List<ShardPartial> parts = new ArrayList<>();
          t._2().forEach(parts::add);
          int[] shardShape = idx.shape(idx.variableOf(p)).shardShape(idx.shardOf(p));
          return new Tuple2<>(p, ShardPartial.ofSum(t._1()._2(), ShardPartial.sumInSourceOrder(parts, shardShape)));
        });
  }

  /** Cuts whole gradients (by runtime variable index) into one {@link ShardInput} per state partition. */
  public JavaRDD<ShardInput> scatter(JavaSparkContext jsc, Map<Integer, Gradient> gradients) {
    List<ShardInput> inputs = new ArrayList<>(Collections.nCopies(index.numPartitions(), new ShardInput.None()));
    gradients.forEach((v, g) -> {
      ShardedShape shape = index.shape(v);
      for (int s = 0; s < shape.numShards(); s++) {
        inputs.set(index.partitionOf(v, s), new ShardInput.Given(shardOf(g, shape, s)));
      }
    });
    return jsc.parallelize(inputs, index.numPartitions());
  }

  /** Shard {@code s} of a whole gradient or tensor, in shard-local coordinates (a tensor gives a tensor). */
  public static Gradient shardOf(Gradient g, ShardedShape shape, int s) {
    int[] shardShape = shape.shardShape(s);
    if (g instanceof Tensor t) {
      return t.dtype() == DType.FLOAT32
          ? Tensor.of(shape.sliceShard(t.floats(), s), shardShape)
          : Tensor.of(shape.sliceShard(t.doubles(), s), shardShape);
    }
    IndexedSlices slices = (IndexedSlices) g;
    Tensor values = slices.values();
    int rowLength = values.rowLength();
    List<Integer> rows = new ArrayList<>();
    List<Integer> positions = new ArrayList<>();
    for (int r = 0; r < slices.numRows(); r++) {
      int row = slices.index(r);
      for (int holder : shape.shardsOfRow(row)) {
        if (holder == s) {
          rows.add(shape.localRow(s, row));
          positions.add(r);
        }
      }
    }
    int len = shape.shardRowLength(s);
    int[] valuesShape = shardShape.clone();
    valuesShape[0] = rows.size();
    int[] local = rows.stream().mapToInt(Integer::intValue).toArray();
    if (values.dtype() == DType.FLOAT32) {
      float[] out = new float[rows.size() * len];
      float[] row = new float[rowLength];
      for (int i = 0; i < positions.size(); i++) {
        System.arraycopy(values.floats(), positions.get(i) * rowLength, row, 0, rowLength);
        System.arraycopy(shape.sliceRow(row, s), 0, out, i * len, len);
      }
      return new IndexedSlices(local, Tensor.of(out, valuesShape), shardShape);
    }
    double[] out = new double[rows.size() * len];
    double[] row = new double[rowLength];
    for (int i = 0; i < positions.size(); i++) {
      System.arraycopy(values.doubles(), positions.get(i) * rowLength, row, 0, rowLength);
      System.arraycopy(shape.sliceRow(row, s), 0, out, i * len, len);
    }
    return new IndexedSlices(local, Tensor.of(out, valuesShape), shardShape);
  }

  /** A shard's finished gradient and what the step did there, kept between the norm job and the update job. */
  private static final class Finished implements Serializable {
    private static final long serialVersionUID = 1L;
    final Gradient gradient;
    final ShardStepStats stats;
    final RowRequests nextRows;

    Finished(Gradient gradient, ShardStepStats stats, RowRequests nextRows) {
      this.gradient = gradient;
      this.stats = stats;
      this.nextRows = nextRows;
    }
  }

  /**
   * Clips and applies the shards' gradients where the shards live.
   *
   * <p>Lineage truncation ({@code truncateLineage}): with a checkpoint directory on the
   * SparkContext the returned state is not cut here: the caller writes its cut ({@link
   * StateLineage}, {@link StateCuts}: the chunks changed since the previous cut). Without one,
   * the step collects every
   * shard with its slots (instead of only the new values) and the returned state is a fresh RDD of
   * that driver-side copy, so a lost state partition is recomputed from the driver and the steps
   * since. ({@code localCheckpoint} would be cheaper but cannot recover from a lost executor or a
   * dropped block: Spark fails the job with {@code CHECKPOINT_RDD_BLOCK_ID_NOT_FOUND}.)
   *
   * <p>If a job fails, the RDDs this call persisted are unpersisted before the exception propagates.
   *
   * @param steps per runtime variable index: what {@link Optimizer#applyToVariable} needs; a
   *     variable without an entry is not updated
   * @param truncateLineage cut the new state's lineage (see above)
   */
  public Result update(Optimizer optimizer, JavaRDD<VariableShard> state, JavaRDD<ShardInput> inputs,
      Map<Integer, Optimizer.VariableStep> steps, boolean truncateLineage, String description) {
    return update(optimizer, state, inputs, steps, null, truncateLineage, description);
  }

  /**
   * {@link #update(Optimizer, JavaRDD, JavaRDD, Map, boolean, String)} where the driver holds no
   * copy of the variables {@code pulled} (may be {@code null}): their shards send back no new
   * values, only their {@link ShardUpdate#answer answers} to the next step's row requests, with
   * their sums of squares when they are L2-regularised.
   */
  public Result update(Optimizer optimizer, JavaRDD<VariableShard> state, JavaRDD<ShardInput> inputs,
      Map<Integer, Optimizer.VariableStep> steps, RowPuller.Variables pulled, boolean truncateLineage,
      String description) {
    ShardIndex idx = index;
    GradientClipping clipping = optimizer.clipping();
    JavaRDD<Finished> finished = StepJobs.zipPartitions(inputs, state, (in, st) -> {
      VariableShard shard = st.next();
      ShardInput input = in.next();
      Gradient g = input.gradient(shard);
      return List.of(new Finished(g, ShardStepStats.of(input, g), input.nextRows())).iterator();
    });
    JavaRDD<VariableShard> next = null;
    try {
      List<Double> sums = null;
      if (clipping.needsNorms()) {
        finished = finished.persist(StorageLevel.MEMORY_AND_DISK());
        finished.setName(description + ": gradients");
        sums = finished.map(f -> f.stats.gradientSumOfSquares).collect();
      }
      Map<Integer, GradientClipping.Transform> transforms = clipTransforms(idx, clipping, steps.keySet(), sums);
      next = StepJobs.zipPartitions(finished, state, (in, st) -> {
        VariableShard shard = st.next();
        Finished f = in.next();
        Optimizer.VariableStep step = steps.get(shard.variable());
        VariableShard after = shard;
        if (f.gradient != null && step != null) {
          Gradient g = transforms.getOrDefault(shard.variable(), GradientClipping.Transform.IDENTITY)
              .apply(f.gradient);
          after = shard.afterStep(optimizer, step, g, f.stats, withValues(pulled, shard));
        }
        boolean squares = pulled != null && pulled.regularises(shard.variable());
        return List.of(after.answering(f.nextRows, squares)).iterator();
      }).persist(StorageLevel.MEMORY_AND_DISK());
      next.setName(description + ": variable shards");
      // with a checkpoint directory the caller cuts the new state into its files (StateLineage)
      boolean fromDriver = truncateLineage && !next.context().getCheckpointDir().isDefined();
      List<VariableShard> collected = fromDriver ? StepJobs.collect(next) : null;
      List<ShardUpdate> updates = new ArrayList<>();
      Map<Integer, RowAnswer> answers = new HashMap<>();
      for (ShardUpdate u : fromDriver
          ? collected.stream().map(s -> s.update(withValues(pulled, s))).toList()
          : StepJobs.collect(StepJobs.mapPartitionsWithIndex(next, (p, it) -> {
            List<ShardUpdate> out = new ArrayList<>();
            it.forEachRemaining(s -> {
              if (steps.containsKey(s.variable())) {
                out.add(s.update(withValues(pulled, s)));
              }
            });
            return out.iterator();
          }, true))) {
        if (steps.containsKey(u.variable()) && u.stats() != null) {
          updates.add(u);
        }
        if (u.answer() != null) {
          answers.put(idx.partitionOf(u.variable(), u.shard()), u.answer());
        }
      }
      JavaRDD<VariableShard> newState = next;
      DriverHeldShards<VariableShard> restart = null;
      if (fromDriver) {
        restart = restartFrom(JavaSparkContext.fromSparkContext(next.context()), collected);
        newState = restart.rdd().persist(StorageLevel.MEMORY_AND_DISK());
        newState.setName(description + ": variable shards (lineage restarts from the driver's copy)");
        next.unpersist(false);
      }
      return Result.of(newState, updates, idx, restart, answers);
    } catch (Throwable e) { // Spark's failures (SparkException) are checked exceptions Scala throws undeclared
      if (next != null) {
        next.unpersist(false);
      }
      throw e;
    } finally {
      if (clipping.needsNorms()) {
        finished.unpersist(false);
      }
    }
  }

  /**
   * Each stepped variable's clipping transform (by runtime index) from the shards' sums of squares
   * ({@code sumsOfSquares}, one per state partition; {@code null} when the clipping needs no
   * norms), added per variable in shard order: the one computation of the transforms on the job
   * path's driver and on every task of the many-steps-per-job engine.
   */
  public static Map<Integer, GradientClipping.Transform> clipTransforms(ShardIndex idx, GradientClipping clipping,
      java.util.Collection<Integer> stepped, List<Double> sumsOfSquares) {
    List<Integer> vars = new ArrayList<>(stepped);
    Collections.sort(vars);
    DType[] dtypes = new DType[vars.size()];
    double[] perVariable = new double[vars.size()];
    for (int i = 0; i < vars.size(); i++) {
      int v = vars.get(i);
      dtypes[i] = idx.dtype(v);
      if (clipping.needsNorms()) {
        for (int s = 0; s < idx.shape(v).numShards(); s++) {
          perVariable[i] += sumsOfSquares.get(idx.partitionOf(v, s));
        }
      }
    }
    GradientClipping.Transform[] t = clipping.transforms(dtypes, perVariable);
    Map<Integer, GradientClipping.Transform> transforms = new HashMap<>();
    for (int i = 0; i < vars.size(); i++) {
      transforms.put(vars.get(i), t[i]);
    }
    return transforms;
  }

  private static boolean withValues(RowPuller.Variables pulled, VariableShard s) {
    return pulled == null || java.util.Arrays.stream(pulled.variables()).noneMatch(v -> v == s.variable());
  }

  /** A state RDD without lineage: one partition per collected shard (in partition order), recomputable from the driver. */
  private DriverHeldShards<VariableShard> restartFrom(JavaSparkContext jsc, List<VariableShard> shards) {
    if (shards.size() != index.numPartitions()) {
      throw new IllegalStateException("expected " + index.numPartitions() + " state shards, collected " + shards.size());
    }
    return DriverHeldShards.of(jsc, shards);
  }

  /** The whole tensor from its shards' values, shard {@code s} at position {@code s}. */
  public static Tensor assemble(ShardedShape shape, DType dtype, List<Tensor> shardValues) {
    if (dtype == DType.FLOAT32) {
      float[] whole = new float[Math.toIntExact(shape.numElements())];
      for (int s = 0; s < shardValues.size(); s++) {
        shape.assembleShard(shardValues.get(s).floats(), s, whole);
      }
      return Tensor.of(whole, shape.shape());
    }
    double[] whole = new double[Math.toIntExact(shape.numElements())];
    for (int s = 0; s < shardValues.size(); s++) {
      shape.assembleShard(shardValues.get(s).doubles(), s, whole);
    }
    return Tensor.of(whole, shape.shape());
  }
}
