package io.meshgrad.runtime;

import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.mesh.ShardedShape;
import io.meshgrad.metrics.StepStats;
import io.meshgrad.model.Initializer;
import io.meshgrad.optimizer.DifferentiableLoss;
import io.meshgrad.optimizer.LossAndGradients;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.SlotInitializer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.optimizer.VariableHome;
import io.meshgrad.support.ObjectBytes;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DTensor on Spark: the {@link DVariable}s of one {@link Mesh}, their shards in one persisted
 * state RDD (shard {@code s} of variable {@code v} in partition {@code first(v) + s}, slots in the
 * same record as their variable's shard, so an update never shuffles state), and the
 * {@link VariableHome} that runs an optimizer's steps on them through {@link ShardedStep}.
 *
 * <pre>{@code
 * MeshRuntime mesh = MeshRuntime.create(spark, Mesh.parse("batch=2,model=2"));
 * DVariable w = mesh.variable("coefficients", Tensor.zeros(DType.FLOAT32, 123), null); // axis 0 on "model"
 * Adagrad opt = Adagrad.builder().learningRate(0.1).build();
 * opt.minimize(datasetLoss, List.of(w));   // the data side runs on the mesh's batch partitions
 * mesh.close();                            // unpersists the state, destroys the broadcasts
 * }</pre>
 *
 * <p>Lineage: every {@code checkpointInterval} updates the state's lineage is cut, so long runs
 * neither slow down nor overflow the stack: when the SparkContext has a checkpoint directory the
 * chunks changed since the previous cut are written there in meshgrad's own format and the state
 * continues from an RDD that reads those files ({@link StateCuts}; superseded files are deleted,
 * the rest at {@link #close}); otherwise that
 * step brings every shard with its slots to the driver and the state restarts from that copy (a
 * {@code localCheckpoint} would not survive a lost executor). Either way a lost state partition
 * is recomputed from the last cut; what that needs stays alive until the next cut: the weights
 * shipped since (a base and per-step deltas, see {@link WeightShipper}) and the driver-held shards
 * the lineage starts from (one broadcast per shard, so that tasks do not carry shard data).
 *
 * <p>Row-sparse pull: a large sharded variable that a {@link DatasetLoss} can compute with from
 * only the rows its batch touches ({@link #setRowPullMinRows}) has no driver copy; each step gets
 * just those rows from its shards ({@link RowPuller}): asked for in the previous step's gradient
 * tasks and answered by its update, so no job of their own except on a fit's first step or after
 * the state changed otherwise. The step's pulled rows stay alive until the next lineage cut, like
 * the shipped weights.
 */
public final class MeshRuntime implements VariableHome, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MeshRuntime.class);

  private final JavaSparkContext jsc;
  private final Mesh mesh;
  private int aggregationDepth = 2;
  private long totalSteps = -1;
  private int rowPullMinRows = DEFAULT_ROW_PULL_MIN_ROWS;

  /** Rows from which a sharded, feature-indexed variable takes the row-sparse pull, by default (2^16). */
  public static final int DEFAULT_ROW_PULL_MIN_ROWS = 1 << 16;

  private final List<DVariable> variables = new ArrayList<>();
  private final List<ShardedShape> shapes = new ArrayList<>();
  private final List<DType> dtypes = new ArrayList<>();
  /** Whole values of the variables the driver holds; {@code null} for a row-pulled variable (read from the state). */
  private final List<Tensor> values = new ArrayList<>();
  private ShardIndex index;
  private final StateLineage lineage;
  private final WeightShipper shipper;
  private PrefetchedRows prefetched;
  /** Pulled variables already named in the warning of {@link #warnIfCutsCollect}. */
  private final java.util.Set<Integer> warnedAboutCuts = new java.util.HashSet<>();
  private boolean closed;

  private MeshRuntime(JavaSparkContext jsc, Mesh mesh) {
    this.jsc = jsc;
    this.mesh = mesh;
    this.shipper = new WeightShipper(jsc);
    this.lineage = new StateLineage(jsc);
  }

  /** A runtime for {@code mesh} on the session's SparkContext. */
  public static MeshRuntime create(SparkSession spark, Mesh mesh) {
    return new MeshRuntime(JavaSparkContext.fromSparkContext(spark.sparkContext()), mesh);
  }

  /** A runtime for {@code mesh} on a SparkContext. */
  public static MeshRuntime create(JavaSparkContext jsc, Mesh mesh) {
    return new MeshRuntime(jsc, mesh);
  }

  public Mesh mesh() {
    return mesh;
  }

  /** As MLlib's {@code aggregationDepth} (default 2): bounds the fan-in of each gradient sum. */
  public MeshRuntime setAggregationDepth(int depth) {
    if (depth < 1) {
      throw new IllegalArgumentException("aggregationDepth must be >= 1, got " + depth);
    }
    this.aggregationDepth = depth;
    rebuildIndex();
    return this;
  }

  /** Truncate the state's lineage every this many updates (default 10); -1 never. */
  public MeshRuntime setCheckpointInterval(int interval) {
    lineage.setCheckpointInterval(interval);
    return this;
  }

  /** Total number of steps planned, shown in job descriptions ({@code meshgrad step 12/300}); -1 if unknown. */
  public MeshRuntime setTotalSteps(long totalSteps) {
    this.totalSteps = totalSteps;
    return this;
  }

  /**
   * A variable with at least this many rows takes the row-sparse pull in {@link #minimize} when it
   * has more than one shard, is split on axis 0 alone, and the loss computes with only the rows a
   * batch touches ({@link DatasetLoss#canPullRows}); default {@value #DEFAULT_ROW_PULL_MIN_ROWS}.
   */
  public MeshRuntime setRowPullMinRows(int minRows) {
    if (minRows < 1) {
      throw new IllegalArgumentException("rowPullMinRows must be >= 1, got " + minRows);
    }
    this.rowPullMinRows = minRows;
    return this;
  }

  /** Whether the driver holds no copy of {@code v}: a step pulls the rows its batch touches from the shards. */
  public synchronized boolean pullsRows(DVariable v) {
    return values.get(own(v).index()) == null;
  }

  /** A variable with the default layout: axis 0 on the first non-batch dimension. */
  public DVariable variable(String name, Tensor initialValue) {
    return variable(name, initialValue, null);
  }

  /**
   * Creates a sharded variable from a whole first value, which the driver keeps (see {@link
   * #pullsRows}); its shards reach the executors as one broadcast each, kept until the next lineage
   * cut.
   *
   * @param layout one entry per axis of {@code initialValue}; {@code null} for
   *     {@link Layout#defaultFor}
   * @throws IllegalArgumentException for a layout of another mesh or rank, or a duplicate name
   */
  public synchronized DVariable variable(String name, Tensor initialValue, Layout layout) {
    requireOpen();
    Layout l = checkedLayout(name, layout, initialValue.rank());
    ShardedShape shape = ShardedShape.of(l, initialValue.shape());
    int idx = variables.size();
    List<VariableShard> shards = new ArrayList<>();
    for (int s = 0; s < shape.numShards(); s++) {
      shards.add(new VariableShard(idx, s, (Tensor) ShardedStep.shardOf(initialValue, shape, s), Map.of()));
    }
    DriverHeldShards<VariableShard> held = DriverHeldShards.of(jsc, shards);
    lineage.holdUntilCut(bytes(initialValue), held::destroy);
    return register(name, shape, initialValue.dtype(), initialValue.copy(), held.rdd());
  }

  /**
   * Creates a sharded variable whose shards are generated where they live: the task that builds
   * shard {@code s} asks {@code initializer} for the rows of that shard only ({@link
   * Initializer#rows}, rounded to {@code dtype}, chunk by chunk), and a lost state partition is
   * generated again the same way from lineage. Since an initializer gives any range of rows the
   * values the whole variable has there, the shards hold exactly {@code
   * Tensor.fromDoubles(dtype, initializer.values(shape, seed), shape)}, whatever the sharding.
   *
   * <p>No JVM holds the whole variable: with more than one shard the driver keeps no copy of it
   * (nothing is broadcast). A variable that cannot take the row-sparse pull (one shard, a layout
   * that splits an axis other than 0, or fewer rows than {@link #setRowPullMinRows}) is gathered
   * to the driver once, at the first {@link DVariable#read()} or step that needs its value, and
   * kept there as a variable made from a tensor is; one that can is never gathered except by an
   * explicit {@link DVariable#read()}. With one shard the value is generated on the driver and
   * the variable is made as {@link #variable(String, Tensor, Layout)} makes it.
   *
   * @param shape the variable's shape, every extent {@code >= 1}
   * @param seed the variable's seed, passed to the initializer
   * @param layout one entry per axis of {@code shape}; {@code null} for {@link Layout#defaultFor}
   * @throws IllegalArgumentException for a layout of another mesh or rank, or a duplicate name
   */
  public synchronized DVariable variable(String name, DType dtype, int[] shape, Initializer initializer, long seed,
      Layout layout) {
    requireOpen();
    if (initializer == null || dtype == null) {
      throw new IllegalArgumentException("variable " + name + " needs a dtype and an initializer, got dtype " + dtype
          + ", initializer " + initializer);
    }
    Layout l = checkedLayout(name, layout, shape.length);
    ShardedShape sharded = ShardedShape.of(l, shape);
    if (sharded.numShards() == 1) {
      return variable(name, Tensor.fromDoubles(dtype, initializer.values(shape, seed), shape), l);
    }
    int idx = variables.size();
    List<Integer> ids = new ArrayList<>();
    for (int s = 0; s < sharded.numShards(); s++) {
      ids.add(s);
    }
    JavaRDD<VariableShard> generated = jsc.parallelize(ids, ids.size())
        .map(s -> VariableShard.of(idx, s, InitialShard.generate(sharded, s, dtype, initializer, seed)));
    return register(name, sharded, dtype, null, generated);
  }

  private Layout checkedLayout(String name, Layout layout, int rank) {
    Layout l = layout != null ? layout : Layout.defaultFor(mesh, rank);
    if (!l.mesh().equals(mesh)) {
      throw new IllegalArgumentException("layout of variable " + name + " is on mesh " + l.mesh()
          + ", expected this runtime's mesh " + mesh);
    }
    for (DVariable v : variables) {
      if (v.name().equals(name)) {
        throw new IllegalArgumentException("a variable named " + name + " already exists on this mesh");
      }
    }
    return l;
  }

  /** Adds a variable whose shards {@code fresh} computes to the state; {@code value}: the driver's copy, or null. */
  private DVariable register(String name, ShardedShape shape, DType dtype, Tensor value, JavaRDD<VariableShard> fresh) {
    int idx = variables.size();
    DVariable v = new DVariable(this, name, idx, null, shape, dtype);
    variables.add(v);
    shapes.add(shape);
    dtypes.add(dtype);
    values.add(value);
    rebuildIndex();
    replaceState(lineage.current() == null ? fresh : lineage.current().union(fresh), "add variable " + name);
    return v;
  }

  /** Whether the variable could take the row-sparse pull in {@link #minimize} (see {@link #setRowPullMinRows}). */
  private boolean mayPullRows(int variable) {
    ShardedShape shape = shapes.get(variable);
    return shape.numShards() > 1 && RowPull.pullable(shape) && shape.numRows() >= rowPullMinRows;
  }

  /**
   * Bytes of model data this runtime keeps referenced on the driver now, between steps: the
   * variables' driver copies ({@link #pullsRows} false), and, until the next lineage cut, what
   * recomputing the state from it needs: the weights shipped to the data partitions since (the
   * driver's copy of the last shipped values, the base and the deltas on it, and the bases and
   * deltas retired since the cut, see {@link WeightShipper#retainedBytes}), each step's pulled
   * rows (and those read for the next step), the shards of variables made from tensors (or of a state restarted on the driver),
   * and the copies of the variables in the closures of the engine's jobs since the cut (see {@link #adoptEngineState}).
   * Counted as element data (4 or 8 bytes per value, 12 per delta entry); Spark's serialized
   * pieces of a broadcast, in the driver's block manager, come on top of its value. For a
   * variable that takes the row-sparse pull this is O(rows touched since the cut), not O(rows).
   */
  public synchronized long retainedBytes() {
    long n = shipper.retainedBytes() + lineage.heldBytes()
        + (prefetched == null ? 0 : prefetched.rows().rows().byteSize());
    for (Tensor t : values) {
      if (t != null) {
        n += bytes(t);
      }
    }
    return n;
  }

  private static long bytes(Tensor t) {
    return (long) t.size() * (t.dtype() == DType.FLOAT32 ? 4 : 8);
  }

  private void rebuildIndex() {
    index = new ShardIndex(shapes, dtypes);
  }

  /** The model variables in creation order. */
  public List<DVariable> variables() {
    return Collections.unmodifiableList(variables);
  }

  /** The persisted state RDD (one variable shard per partition), for inspection. */
  public JavaRDD<VariableShard> stateRdd() {
    requireOpen();
    return lineage.current();
  }

  // ------------------------------------------------------------------ VariableHome

  @Override
  public synchronized Variable createSlot(Variable reference, String slotName, SlotInitializer initializer) {
    DVariable ref = own(reference);
    int idx = ref.index();
    replaceState(lineage.current().map(s -> s.variable() == idx ? s.withSlot(slotName, initializer) : s),
        "add slot " + slotName + "/" + ref.name());
    return new DVariable(this, slotName + "/" + ref.name(), idx, slotName, ref.shardedShape(), ref.dtype());
  }

  @Override
  public synchronized void applyGradients(Optimizer optimizer, List<Variable> vars, List<Gradient> gradients,
      List<Optimizer.VariableStep> steps) {
    Map<Integer, Gradient> byIndex = new LinkedHashMap<>();
    Map<Integer, Optimizer.VariableStep> stepByIndex = new HashMap<>();
    for (int i = 0; i < vars.size(); i++) {
      int idx = own(vars.get(i)).index();
      byIndex.put(idx, gradients.get(i));
      stepByIndex.put(idx, steps.get(i));
    }
    describeStep(optimizer);
    JavaRDD<ShardInput> inputs = aggregator().scatter(jsc, byIndex);
    commit(aggregator().update(optimizer, lineage.current(), inputs, stepByIndex, lineage.cutsNow(), stepName(optimizer)));
  }

  @Override
  public synchronized double minimize(Optimizer optimizer, DifferentiableLoss loss, List<Variable> vars,
      List<Optimizer.VariableStep> steps) {
    return loss instanceof DatasetLoss data ? step(optimizer, data, vars, steps)
        : minimizeOnDriver(optimizer, loss, vars, steps);
  }

  /** A loss that is not over a dataset: evaluated on the driver, its gradients scattered to the shards. */
  private double minimizeOnDriver(Optimizer optimizer, DifferentiableLoss loss, List<Variable> vars,
      List<Optimizer.VariableStep> steps) {
    LossAndGradients lg = loss.evaluate(vars);
    List<Variable> present = new ArrayList<>();
    List<Gradient> grads = new ArrayList<>();
    List<Optimizer.VariableStep> presentSteps = new ArrayList<>();
    for (int i = 0; i < vars.size(); i++) {
      if (lg.gradients().get(i) != null) {
        present.add(vars.get(i));
        grads.add(lg.gradients().get(i));
        presentSteps.add(steps.get(i));
      }
    }
    if (present.isEmpty()) {
      throw new IllegalArgumentException("No gradients provided for any variable: "
          + vars.stream().map(Variable::name).toList());
    }
    applyGradients(optimizer, present, grads, presentSteps);
    return lg.loss();
  }

  /**
   * One step over a dataset: the data partitions' partial sums (with the touched rows of pulled
   * variables, prefetched by the step before when it could), reduce-scattered to the shards in a
   * fixed order and applied there, in the jobs of {@link ShardedStep}.
   */
  private double step(Optimizer optimizer, DatasetLoss data, List<Variable> vars,
      List<Optimizer.VariableStep> steps) {
    long start = System.nanoTime();
    int[] indices = new int[vars.size()];
    Penalty[] penalties = new Penalty[vars.size()];
    Map<Integer, Optimizer.VariableStep> stepByIndex = new HashMap<>();
    List<Tensor> weights = new ArrayList<>();
    List<Integer> pulled = new ArrayList<>();
    for (int i = 0; i < vars.size(); i++) {
      DVariable v = own(vars.get(i));
      indices[i] = v.index();
      penalties[i] = data.penalty(i);
      stepByIndex.put(indices[i], steps.get(i));
      if (takesRowPull(data, i, indices[i])) {
        if (warnedAboutCuts.add(indices[i])) {
          warnIfCutsCollect(v);
        }
        values.set(indices[i], null);
        pulled.add(i);
        weights.add(RowPuller.placeholder(v.dtype()));
      } else {
        weights.add(values.get(indices[i]) != null ? values.get(indices[i]) : read(v));
      }
    }
    describeStep(optimizer);
    ShippedWeights shipped = shipper.ship(weights);
    // a pulled variable's weights are a placeholder here: its part of the L2 term comes from its shards
    double penaltyValue = data.penaltyValue(weights);
    JavaRDD<PartialSums> partials;
    long pulledBytes = 0;
    long step = optimizer.iterations();
    RowPuller.Variables pulledVariables = null;
    boolean[] asking = new boolean[vars.size()];
    JavaRDD<int[]> nextRows = null;
    PrefetchedRows ready = prefetched;
    prefetched = null;
    if (pulled.isEmpty()) {
      partials = data.partialSums(shipped, step);
    } else {
      int[] positions = pulled.stream().mapToInt(Integer::intValue).toArray();
      int[] pulledIndices = new int[positions.length];
      boolean[] regularised = new boolean[positions.length];
      for (int k = 0; k < positions.length; k++) {
        pulledIndices[k] = indices[positions[k]];
        regularised[k] = penalties[positions[k]].l2() > 0;
        asking[positions[k]] = true;
      }
      pulledVariables = new RowPuller.Variables(positions, pulledIndices, regularised);
      RowPuller.Pulled rows = ready != null && ready.isFor(data, step, lineage.current(), pulledVariables)
          ? ready.rows()
          : RowPuller.pull(lineage.current(), index, data, step, pulledVariables);
      penaltyValue += Penalty.of(data.regParam(), 0).value(rows.regularisedSquares(), 0);
      pulledBytes = rows.rows().byteSize();
      ShippedRows shippedRows = ShippedRows.ship(jsc, rows.rows());
      // lineage recomputation of the states until the next cut reruns this step's gradient job
      lineage.holdUntilCut(pulledBytes, shippedRows::destroy);
      partials = data.partialSums(shipped, shippedRows, step);
      if (totalSteps <= 0 || step + 1 < totalSteps) {
        // the next step's rows ride on this step's jobs: asked in the gradient tasks, answered by the update
        nextRows = data.batchRows(step + 1);
      }
    }
    JavaRDD<ShardInput> inputs = aggregator().reduceScatter(partials, nextRows, asking, indices, penalties,
        data.numPartitions());
    ShardedStep.Result r = aggregator().update(optimizer, lineage.current(), inputs, stepByIndex, pulledVariables,
        lineage.cutsNow(), stepName(optimizer));
    commit(r);
    if (nextRows != null) {
      prefetched = new PrefetchedRows(data, step + 1, lineage.current(), pulledVariables,
          RowPuller.fromAnswers(index, data.numPartitions(), pulledVariables, r.rowAnswers()));
    }
    double value = ObjectiveGradient.value(r.lossSum(), r.weightSum(), penaltyValue);
    data.recordStepStats(stepStats(r, value, indices, pulledBytes, start), optimizer);
    return value;
  }

  private StepStats stepStats(ShardedStep.Result r, double value, int[] indices, long pulledBytes, long start) {
    double[] norms = new double[indices.length];
    for (int i = 0; i < indices.length; i++) {
      norms[i] = r.gradientNorm(indices[i]);
    }
    return new StepStats(value, r.count(), r.weightSum(), norms, r.gradientMaxAbs(),
        shipper.lastShippedBytes() + pulledBytes, r.bytesAggregated(), r.bytesToDriver(), r.bytesWrittenOnShards(),
        (System.nanoTime() - start) / 1e9);
  }

  /** A pulled variable's shards reach the driver at lineage cuts without a checkpoint directory: say so once. */
  private void warnIfCutsCollect(DVariable v) {
    if (lineage.checkpointInterval() > 0 && !jsc.getCheckpointDir().isPresent()) {
      LOG.warn("{} takes the row-sparse pull (no driver copy), but the SparkContext has no checkpoint directory: "
          + "every {} steps the lineage cut brings every shard to the driver and keeps that copy until the next cut. "
          + "Set one (SparkContext.setCheckpointDir, bin/meshgrad --checkpoint-dir) to keep the driver O(rows touched).",
          v.name(), lineage.checkpointInterval());
    }
  }

  // ------------------------------------------------------------------ the many-steps-per-job engine

  /**
   * Why the many-steps-per-job engine cannot step {@code vars} with {@code data} on this runtime,
   * in one line, or {@code null} when it can: it runs every variable of a runtime, those that take
   * the row-sparse pull included, so this names nothing yet; it throws for a variable of another
   * home.
   */
  public synchronized String whyNotEngine(DatasetLoss data, List<Variable> vars) {
    for (Variable v : vars) {
      own(v);
    }
    return null;
  }

  /** See {@link #noteEngineResident}: the engine's note, and the id of the state RDD it holds for. */
  private Object engineResident;
  private int engineResidentState = -1;
  private boolean engineResidentAtCut;
  /** The state RDD the last {@link #adoptEngineState} left ({@code -1}: a restart), and whether it was a cut. */
  private int adoptedEngineState = -1;
  private boolean adoptedEngineStateAtCut;

  /**
   * What a job of the many-steps-per-job engine starts from: the state's layout, the loss's
   * variables (runtime index and regularisation per position), every variable's whole value (by
   * runtime index; copies), and the state's shards grouped by the rank of the job that owns them
   * ({@link OwnedShards#ownerOf}): partition {@code r} of {@code shardsByOwner} holds rank {@code
   * r}'s shards (through one shuffle of the state, at the job's start).
   */
  public record EngineStart(ShardIndex index, int[] variables, Penalty[] penalties, List<Tensor> values,
      JavaRDD<List<VariableShard>> shardsByOwner, RowPuller.Variables pulled) {}

  /**
   * The start of an engine job over {@code numRanks} tasks (see {@link EngineStart}).
   *
   * @throws IllegalArgumentException with {@link #whyNotEngine}'s line when the engine cannot run
   */
  public synchronized EngineStart engineStart(DatasetLoss data, List<Variable> vars, int numRanks) {
    String why = whyNotEngine(data, vars);
    if (why != null) {
      throw new IllegalArgumentException(why);
    }
    int[] indices = new int[vars.size()];
    Penalty[] penalties = new Penalty[vars.size()];
    List<Tensor> whole = new ArrayList<>(java.util.Collections.nCopies(values.size(), null));
    List<Integer> pulled = new ArrayList<>();
    for (int i = 0; i < vars.size(); i++) {
      DVariable v = own(vars.get(i));
      indices[i] = v.index();
      penalties[i] = data.penalty(i);
      if (takesRowPull(data, i, indices[i])) {
        if (warnedAboutCuts.add(indices[i])) {
          warnIfCutsCollect(v);
        }
        values.set(indices[i], null); // as the job path: the driver keeps no copy of a pulled variable
        pulled.add(i);
      } else {
        whole.set(indices[i], values.get(indices[i]) != null ? values.get(indices[i]).copy() : read(v));
      }
    }
    RowPuller.Variables pulledVariables = null;
    if (!pulled.isEmpty()) {
      int[] positions = pulled.stream().mapToInt(Integer::intValue).toArray();
      int[] pulledIndices = new int[positions.length];
      boolean[] regularised = new boolean[positions.length];
      for (int k = 0; k < positions.length; k++) {
        pulledIndices[k] = indices[positions[k]];
        regularised[k] = penalties[positions[k]].l2() > 0;
      }
      pulledVariables = new RowPuller.Variables(positions, pulledIndices, regularised);
    }
    ShardIndex idx = index;
    JavaRDD<List<VariableShard>> byOwner = lineage.current()
        .mapToPair(sh -> new scala.Tuple2<>(OwnedShards.ownerOf(OwnedShards.partitionOf(idx, sh), numRanks), sh))
        .partitionBy(new ShardPartitioner(numRanks))
        .mapPartitions(it -> new OwnedOnDemand(it), true);
    return new EngineStart(idx, indices, penalties, whole, byOwner, pulledVariables);
  }

  /**
   * A rank's shards of the state as one list, read from the shuffle only when asked for: an engine
   * task that starts from the shards its endpoint kept ({@code ShardOwners}) never asks, so none of
   * its state partition's records is read or deserialized.
   */
  private static final class OwnedOnDemand implements java.util.Iterator<List<VariableShard>> {
    private java.util.Iterator<scala.Tuple2<Integer, VariableShard>> records;

    OwnedOnDemand(java.util.Iterator<scala.Tuple2<Integer, VariableShard>> records) {
      this.records = records;
    }

    @Override
    public boolean hasNext() {
      return records != null;
    }

    @Override
    public List<VariableShard> next() {
      if (records == null) {
        throw new java.util.NoSuchElementException();
      }
      List<VariableShard> owned = new ArrayList<>();
      records.forEachRemaining(t -> owned.add(t._2()));
      records = null;
      return owned;
    }
  }

  /**
   * The state after an engine job, where the job leaves it: {@code shards} (the job's barrier
   * stage, lazy: (state partition, shard) records, one per state partition, from the tasks that
   * own them) shuffled into the state's partitioning (partition {@code p} holds shard {@code p},
   * as every state of this runtime) and persisted. Computing it here runs the job; a lost
   * partition is recomputed from the shuffle's output, and a lost shuffle output by running the
   * barrier stage again (the job's steps are deterministic, so bit for bit the same shards). The
   * driver gets one integer per state partition.
   *
   * @throws RuntimeException the job's failure, with the new state unpersisted
   */
  public synchronized JavaRDD<VariableShard> engineState(JavaRDD<scala.Tuple2<Integer, VariableShard>> shards) {
    requireOpen();
    int n = index.numPartitions();
    JavaRDD<VariableShard> next = StepJobs.mapPartitionsWithIndex(
        org.apache.spark.api.java.JavaPairRDD.fromJavaRDD(shards).partitionBy(new ShardPartitioner(n)).rdd()
            .toJavaRDD(), (p, it) -> {
          List<VariableShard> out = new ArrayList<>(1);
          it.forEachRemaining(t -> out.add(t._2()));
          return out.iterator();
        }, true).persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    next.setName("meshgrad state (after engine steps)");
    ShardIndex idx = index;
    try {
      List<Integer> held = StepJobs.collect(StepJobs.mapPartitionsWithIndex(next, (p, it) -> {
        List<Integer> out = new ArrayList<>(1);
        it.forEachRemaining(sh -> out.add(OwnedShards.partitionOf(idx, sh) == p ? p : -1 - p));
        return out.iterator();
      }, true));
      for (int p = 0; p < n; p++) {
        if (p >= held.size() || held.get(p) != p || held.size() != n) {
          throw new IllegalStateException("the engine's job left no single shard of state partition " + p + " there: "
              + held);
        }
      }
      return next;
    } catch (Throwable e) { // Spark's failures (SparkException) are checked exceptions Scala throws undeclared
      next.unpersist(false);
      throw e;
    }
  }

  /**
   * Takes the state after an engine job ({@link #engineState}) as this runtime's state, after
   * {@code steps} updates: the lineage advances as the job path's does, and when those steps pass
   * a lineage cut ({@code checkpointInterval}) the new state is cut as the job path cuts it
   * (its changed chunks written to the checkpoint directory's files where the SparkContext has
   * one, see {@link StateCuts}; otherwise brought to the driver and restarted from there).
   * {@code release} releases what recomputing the new state from the job needs (the job's
   * rendezvous); it runs at that cut, or at the next one. {@code newValues} (by runtime index,
   * {@code null} where the driver holds no copy) become the driver's copies of the variables.
   *
   * @param heldBytes bytes of model data that the job's lineage keeps on the driver until the cut
   *     (the whole values in its closure), counted by {@link #retainedBytes}
   */
  public synchronized void adoptEngineState(JavaRDD<VariableShard> state, List<Tensor> newValues, int steps,
      Runnable release, long heldBytes) {
    requireOpen();
    prefetched = null;
    engineResident = null;
    adoptedEngineState = -1;
    lineage.holdUntilCut(heldBytes, release);
    if (!lineage.cutsWithin(steps)) {
      lineage.advance(state, steps, false, shipper::releaseRetired);
      adoptedEngineState = state.id();
      adoptedEngineStateAtCut = false;
    } else if (jsc.getCheckpointDir().isPresent()) {
      lineage.cut(state, steps, shipper::releaseRetired);
      adoptedEngineState = lineage.current().id();
      adoptedEngineStateAtCut = true;
    } else {
      List<VariableShard> shards = StepJobs.collect(state);
      DriverHeldShards<VariableShard> held = DriverHeldShards.of(jsc, shards);
      lineage.restart(held.rdd(), steps, "after engine steps", shipper::releaseRetired);
      lineage.holdUntilCut(shards.stream().mapToLong(VariableShard::byteSize).sum(), held::destroy);
      state.unpersist(false);
    }
    for (int v = 0; v < values.size(); v++) {
      if (values.get(v) != null) {
        values.set(v, newValues.get(v).copy());
      }
    }
  }

  /**
   * Notes what the tasks of the engine job just adopted ({@link #adoptEngineState}) kept on their
   * endpoints ({@code note}, the engine's own record), for {@link #engineResident}: it holds while
   * the state the adoption left stays this runtime's state. Nothing is noted when the adoption
   * restarted the state from the driver.
   */
  public synchronized void noteEngineResident(Object note) {
    engineResident = adoptedEngineState >= 0 ? note : null;
    engineResidentState = adoptedEngineState;
    engineResidentAtCut = adoptedEngineStateAtCut;
  }

  /**
   * What {@link #noteEngineResident} noted, when this runtime's state is still the RDD the noted
   * job's adoption left (no step, other cut, restart, restore or assignment since); else {@code
   * null}.
   */
  public synchronized EngineResident engineResident() {
    JavaRDD<VariableShard> current = lineage.current();
    return current != null && engineResident != null && current.id() == engineResidentState
        ? new EngineResident(engineResident, engineResidentAtCut) : null;
  }

  /**
   * What an engine job's tasks kept ({@code note}, see {@link #noteEngineResident}), and whether
   * the job's output was then cut into the checkpoint directory's files: the state holds the kept
   * shards as {@link VariableShard#atCut()} leaves them.
   */
  public record EngineResident(Object note, boolean atCut) {}

  /** See {@link #setRowPullMinRows}. */
  private boolean takesRowPull(DatasetLoss data, int position, int variable) {
    // the L1 term's value needs every weight's absolute value, which the pull does not bring back
    return data.canPullRows(position) && data.penalty(position).l1() == 0 && mayPullRows(variable);
  }

  private ShardedStep aggregator() {
    return new ShardedStep(index, aggregationDepth);
  }

  private String stepName(Optimizer optimizer) {
    long step = optimizer.iterations() + 1;
    return "meshgrad step " + step + (totalSteps > 0 ? "/" + totalSteps : "");
  }

  private void describeStep(Optimizer optimizer) {
    requireOpen();
    jsc.setJobDescription(stepName(optimizer));
  }

  /** Takes a step's new state and values; releases what the truncated lineage no longer needs. */
  private void commit(ShardedStep.Result r) {
    prefetched = null;
    r.applyNewValues(values);
    lineage.advance(r.state(), shipper::releaseRetired);
    if (r.restartedFrom() != null) {
      lineage.holdUntilCut(r.restartedFrom().values().stream().mapToLong(VariableShard::byteSize).sum(),
          r.restartedFrom()::destroy);
    }
  }

  private void replaceState(JavaRDD<VariableShard> next, String what) {
    prefetched = null;
    lineage.replace(next, what);
  }

  private DVariable own(Variable v) {
    requireOpen();
    if (!(v instanceof DVariable d) || d.home() != this) {
      throw new IllegalArgumentException("variable " + v.name() + " does not live on this mesh runtime");
    }
    if (d.isSlot()) {
      throw new IllegalArgumentException("variable " + v.name() + " is an optimizer slot, not a model variable");
    }
    return d;
  }

  synchronized Tensor read(DVariable v) {
    requireOpen();
    if (!v.isSlot() && values.get(v.index()) != null) {
      return values.get(v.index()).copy();
    }
    int idx = v.index();
    int[] partitions = new int[v.numShards()];
    for (int s = 0; s < partitions.length; s++) {
      partitions[s] = index.partitionOf(idx, s);
    }
    String slot = v.slotName();
    Tensor[] shards = new Tensor[partitions.length];
    // through StepJobs: the shards come back as bytes (see ObjectBytes)
    for (List<VariableShard> part : StepJobs.collectPartitions(lineage.current(), partitions)) {
      for (VariableShard s : part) {
        shards[s.shard()] = slot == null ? s.value() : s.slot(slot);
      }
    }
    Tensor whole = ShardedStep.assemble(v.shardedShape(), v.dtype(), List.of(shards));
    if (slot == null && !mayPullRows(idx)) {
      // generated on the shards, but shipped whole by every step: the driver keeps it from now on
      values.set(idx, whole.copy());
    }
    return whole;
  }

  synchronized void assign(DVariable v, Tensor newValue) {
    requireOpen();
    if (newValue.dtype() != v.dtype() || !java.util.Arrays.equals(newValue.shape(), v.shape())) {
      throw new IllegalArgumentException("value for " + v.name() + " must be " + v.dtype()
          + java.util.Arrays.toString(v.shape()) + ", got " + newValue.dtype() + java.util.Arrays.toString(newValue.shape()));
    }
    int idx = v.index();
    String slot = v.slotName();
    ShardedShape shape = v.shardedShape();
    Tensor whole = newValue.copy();
    // as bytes, which each executor reads once with its own meshgrad classes (see ObjectBytes)
    Broadcast<byte[]> assigned = jsc.broadcast(ObjectBytes.write(whole));
    lineage.holdUntilCut(bytes(whole), () -> assigned.destroy());
    replaceState(lineage.current().map(s -> {
      if (s.variable() != idx) {
        return s;
      }
      Tensor part = (Tensor) ShardedStep.shardOf(ObjectBytes.readShared(assigned.value(), Tensor.class, "an assigned value"), shape, s.shard());
      return slot == null ? s.withValue(part) : s.withSlotValue(slot, part);
    }), "assign " + v.name());
    if (slot == null && values.get(idx) != null) {
      values.set(idx, whole);
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("this MeshRuntime is closed");
    }
  }

  /** What the state's last cut into the checkpoint directory wrote, or {@code null} before one. */
  StateCuts.Summary lastCut() {
    return lineage.cuts() == null ? null : lineage.cuts().lastCut();
  }

  /** The directory of the state's cut files, or {@code null} before the first cut into a checkpoint directory. */
  org.apache.hadoop.fs.Path cutDirectory() {
    return lineage.cuts() == null ? null : lineage.cuts().directory();
  }

  /**
   * Unpersists the state, destroys the remaining broadcasts and deletes the files of the state's cuts;
   * the variables become unusable.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    prefetched = null;
    shipper.close();
    lineage.close();
  }

  @Override
  public String toString() {
    return "MeshRuntime(" + mesh + ", " + variables.size() + " variables)";
  }
}
