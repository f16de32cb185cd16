package io.meshgrad.runtime.engine;

import io.meshgrad.runtime.DatasetLoss;
import io.meshgrad.runtime.EngineData;
import io.meshgrad.runtime.MeshRuntime;
import io.meshgrad.runtime.OrderedTreeSum;
import io.meshgrad.runtime.PartialSums;
import io.meshgrad.metrics.StepStats;
import io.meshgrad.optimizer.DifferentiableLoss;
import io.meshgrad.optimizer.LossAndGradients;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.support.ObjectBytes;
import io.meshgrad.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many optimizer steps in one Spark job. Variables sharded on a {@link MeshRuntime} go to {@link
 * ShardOwners} (tasks that own the state's shards; see there). For variables held whole
 * (replicated): one barrier job ({@link BarrierJob}) of the data's partitions, in which every task
 * keeps a replica of the variables and the optimizer's slots for the whole job. Per step each task
 * computes its partition's {@link PartialSums} at its replica (the function the job-per-step path
 * runs in its gradient tasks, {@link EngineData.PartitionSums}), sends them to every other task and
 * receives theirs ({@link MeshTransport}), sums all of them in the job-per-step path's fixed order
 * ({@link OrderedTreeSum#sumInProcess}), turns the sum into the objective and its gradients with
 * {@link DatasetLoss#objective} and applies them with the optimizer's own {@link
 * Optimizer#minimize}: the same code, in the same order, as a driver-held step. Every task so
 * applies the same update and the replicas stay equal (checked at the end of the job); the
 * result is bit for bit the job-per-step path's, clipping, EMA, weight decay and schedules
 * included.
 *
 * <p>Between jobs the driver holds the state (variables, slots, iteration count), as on the
 * job-per-step path, and each executor keeps its tasks' replicas on their endpoints of the fit
 * ({@link MeshTransport#keepResident}). The driver also keeps the copy of the state it handed to
 * the variables and the optimizer at the end of the last job (one copy of the variables and slots,
 * held until the next job or {@link #close}). A job ships the state in its closure only when the
 * driver's state is not bit for bit that copy (compared element by element, NaN payloads
 * included: a job-path step, a restore, an EMA overwrite, an assign or setWeights changed it), or
 * it is the fit's first job; else the copy is the job's start state and its tasks start from their
 * replicas, each checked against rank 0's {@link StateBits#fingerprint} of its replica at the last
 * job's end, and a task without one fetches the driver's state over the fit's transport. A job
 * brings back what its steps changed in rank 0's state: the rows some step changed of each variable and its slots ({@link StepChanges.Job}),
 * or a variable whole when a step changed it whole, which the driver writes into its copy of the
 * job's start state. A failed barrier result stage is not retried by Spark: the engine resubmits the job from
 * the state at the job's start, at most {@value #MAX_ATTEMPTS_CONF} times (default {@value
 * #DEFAULT_MAX_ATTEMPTS}), so a task failure changes nothing in the result.
 *
 * <p>The engine's jobs share one transport ({@link MeshTransport.Fit}): the executors keep their
 * tasks' endpoints and connections from one job to the next. It is opened by the first job and
 * closed by {@link #close}, which the engine's loss runs when it is closed (the end of a fit), so
 * that nothing of it listens after the fit; a later job opens a new one.
 */
public final class StepEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StepEngine.class);

  /** Conf key: how many times one job of the engine is submitted before the fit fails. */
  public static final String MAX_ATTEMPTS_CONF = "spark.meshgrad.engine.maxAttempts";
  /** Default of {@link #MAX_ATTEMPTS_CONF}. */
  public static final int DEFAULT_MAX_ATTEMPTS = 3;

  private final JavaSparkContext jsc;
  private final DatasetLoss loss;
  private final EngineData<?> data;
  private final MeshTransport.Settings transport;
  private final String driverHost;
  private final long idleMs;
  /** The transport of this engine's jobs, open from the first job to {@link #close}. */
  private MeshTransport.Fit fit;
  private final int maxAttempts;
  private long failedAttempts;
  /** Numbers of this engine's job attempts: a task tags the replica it keeps with its attempt's. */
  private long attempts;
  /**
   * The fit whose executors keep the replicas of the last job ({@code heldJob}); the state the
   * driver handed to the variables, the optimizer's slots and its iteration count when it applied
   * that job's result ({@code heldValues}, {@code heldSlots}, {@code heldIterations}: the driver's
   * own arrays, which nothing else writes); and rank 0's {@link StateBits#fingerprint} of its
   * replica at that job's end, which each task checks its kept replica against. A job whose start
   * state is bit for bit the held one ships no tensors and starts from the held arrays.
   */
  private MeshTransport.Fit heldFit;
  private long heldJob = -1;
  private Tensor[] heldValues;
  private Tensor[] heldSlots;
  private long heldIterations;
  private long heldFingerprint;

  private StepEngine(JavaSparkContext jsc, DatasetLoss loss, EngineData<?> data) {
    SparkConf conf = jsc.getConf();
    this.jsc = jsc;
    this.loss = loss;
    this.data = data;
    this.transport = MeshTransport.Settings.forFit(conf);
    this.driverHost = conf.get("spark.driver.host", "127.0.0.1");
    this.idleMs = MeshTransport.idleTimeoutMs(conf);
    this.maxAttempts = conf.getInt(MAX_ATTEMPTS_CONF, DEFAULT_MAX_ATTEMPTS);
    if (maxAttempts < 1) {
      throw new IllegalArgumentException(MAX_ATTEMPTS_CONF + " must be an integer >= 1, got " + maxAttempts);
    }
  }

  /**
   * Why the engine cannot run {@code loss} on this SparkContext, in one line that says what to
   * change, or {@code null} when it can: the loss must offer its partitions ({@link
   * DatasetLoss#engineData}), dynamic allocation must be off (Spark refuses barrier stages under
   * it), and there must be a free task slot for every partition (cores / {@code spark.task.cpus},
   * as far as {@code defaultParallelism} tells), since a barrier stage launches all its tasks at
   * once.
   */
  public static String whyNot(JavaSparkContext jsc, DatasetLoss loss) {
    if (loss.engineData() == null) {
      return loss.getClass().getSimpleName() + " does not offer its partitions to the engine";
    }
    return whyNot(jsc, loss.numPartitions());
  }

  /**
   * Why a barrier job of {@code partitions} tasks cannot run on this SparkContext (dynamic
   * allocation, or fewer task slots than tasks), in one line, or {@code null} when it can.
   */
  public static String whyNot(JavaSparkContext jsc, int partitions) {
    SparkConf conf = jsc.getConf();
    if (conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
      return "Spark refuses barrier stages under dynamic allocation (spark.dynamicAllocation.enabled=true): "
          + "turn it off or use stepsPerJob=1";
    }
    int taskCpus = conf.getInt("spark.task.cpus", 1);
    int slots = jsc.sc().defaultParallelism() / Math.max(1, taskCpus);
    if (slots < partitions) {
      return "the engine runs the mesh's " + partitions + " batch partitions as tasks of one barrier stage, "
          + "which needs " + partitions + " free task slots, but the application has " + slots
          + " (cores / spark.task.cpus): give it more cores or executors, use a smaller batch dimension, "
          + "or use stepsPerJob=1";
    }
    return null;
  }

  /**
   * An engine for {@code loss} on its SparkContext, with a fresh secret for its connections.
   *
   * @throws IllegalArgumentException with {@link #whyNot}'s line when it cannot run
   */
  public static StepEngine create(JavaSparkContext jsc, DatasetLoss loss) {
    String why = whyNot(jsc, loss);
    if (why != null) {
      throw new IllegalArgumentException("stepsPerJob > 1 cannot run here: " + why);
    }
    StepEngine engine = new StepEngine(jsc, loss, loss.engineData());
    loss.closeWith(engine);
    return engine;
  }

  JavaSparkContext jsc() {
    return jsc;
  }

  DatasetLoss loss() {
    return loss;
  }

  EngineData<?> data() {
    return data;
  }

  MeshTransport.Settings transport() {
    return transport;
  }

  String driverHost() {
    return driverHost;
  }

  /** The transport of this engine's jobs (opened by the first). */
  synchronized MeshTransport.Fit fit() {
    if (fit == null) {
      fit = MeshTransport.Fit.open(transport, driverHost, idleMs);
    }
    return fit;
  }

  /**
   * Closes the transport of this engine's jobs on the driver and on every executor (see {@link
   * MeshTransport.Fit#close}); the engine's loss does it when it is closed. The engine can still
   * run: its next job opens a new one. A second call does nothing.
   */
  @Override
  public synchronized void close() {
    forgetHeldState();
    if (fit != null) {
      fit.close();
      fit = null;
    }
  }

  /** Jobs of this engine that failed and were submitted again. */
  public long failedAttempts() {
    return failedAttempts;
  }

  /**
   * What one job did: the loss of each step it took, in order, and its stats.
   *
   * @param losses one per step taken (fewer than asked when a step converged or was handed back)
   * @param handedBack whether the job stopped before a step that was not finite (see {@link #run}):
   *     the state is the one before that step, which the caller runs on its guarded path
   */
  public record Steps(double[] losses, StepStats[] stats, boolean handedBack) {}

  /**
   * Runs up to {@code count} steps of {@code optimizer} on {@code vars} (held in this process,
   * or all on one {@link MeshRuntime}, whose state the job's result then becomes) in one job, then sets the variables, the optimizer's slots and its iteration count to their
   * values after those steps, as {@code count} calls of {@code optimizer.minimize(loss, vars)}
   * would. With {@code tol > 0} the job stops after the first step whose loss differs from the
   * one before by at most {@code tol * max(1, |loss|)} ({@code previousLoss}: the loss of the step
   * before this job's first, NaN if none).
   *
   * <p>With {@code handBackNonFinite}, a step whose loss, a gradient or an updated value holds a
   * NaN or an infinity is not kept: the job ends with the state before it ({@link
   * Steps#handedBack()}), so that the caller's own checks (error or skip) run that step exactly as
   * on the job-per-step path. Each task then keeps a copy of the state before each step.
   *
   * @param totalSteps the fit's last step number, for the job description ({@code meshgrad steps 101-200/1000})
   */
  public Steps run(Optimizer optimizer, List<Variable> vars, int count, long totalSteps, double tol,
      double previousLoss, boolean handBackNonFinite) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be >= 1, got " + count);
    }
    if (optimizer.excludesFromWeightDecay()) {
      throw new IllegalArgumentException("the engine cannot run an optimizer with variables excluded from weight "
          + "decay (excludeFromWeightDecay): use stepsPerJob=1");
    }
    if (vars.get(0).home() instanceof MeshRuntime runtime) {
      return ShardOwners.run(this, runtime, optimizer, vars, count, totalSteps, tol, previousLoss, handBackNonFinite);
    }
    for (Variable v : vars) {
      if (v.home() != null) {
        throw new IllegalArgumentException("the engine runs variables held in this process or on a MeshRuntime; "
            + v.name() + " lives on " + v.home());
      }
    }
    optimizer.build(vars);
    long first = optimizer.iterations();
    String[] names = new String[vars.size()];
    for (int i = 0; i < names.length; i++) {
      names[i] = vars.get(i).name();
    }
    jsc.setJobDescription("meshgrad steps " + (first + 1) + "-" + (first + count)
        + (totalSteps > 0 ? "/" + totalSteps : ""));
    MeshTransport.Fit jobFit = fit();
    // the tasks of the last job ended with the state the driver then handed to the variables, unless something changed
    // it since (a job-path step, a restore, an EMA overwrite, an assign, setWeights): then their replicas serve and the
    // held arrays are this job's start state, else the closure carries a fresh copy of the state
    boolean unchanged = jobFit == heldFit && heldJob >= 0 && holdsCurrentState(optimizer, vars, first);
    long from = unchanged ? heldJob : -1;
    long start = unchanged ? heldFingerprint : 0;
    Tensor[] values;
    Tensor[] slots;
    if (unchanged) {
      values = heldValues;
      slots = heldSlots;
    } else {
      values = new Tensor[vars.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = vars.get(i).read();
      }
      slots = optimizer.getWeights().toArray(new Tensor[0]);
    }
    // a job that fails leaves nothing held: the next starts from a fresh copy
    forgetHeldState();
    LOG.debug("meshgrad engine: steps {}-{}: {}", first + 1, first + count, from < 0
        ? "the closure carries the state" : "the tasks start from their replicas of job " + from
        + " (the closure carries no tensors)");
    Served served = from < 0 ? null : new Served(values, slots, first);
    if (served != null) {
      jobFit.offerState(from, served);
    }
    long[] lastJob = new long[1];
    List<Result> results;
    try {
      results = withRetries(first, count, attempt -> {
        lastJob[0] = ++attempts;
        return submit(replicas(optimizer, names, from < 0 ? values : null, from < 0 ? slots : null, from, start,
            lastJob[0], count, tol, previousLoss, handBackNonFinite), attempt);
      });
    } finally {
      if (served != null) {
        jobFit.withdrawState(from);
      }
    }
    Result r0 = results.get(0);
    for (Result r : results) {
      if (r.checksum != r0.checksum || r.iterations != r0.iterations) {
        throw new IllegalStateException("meshgrad engine: the replicas of rank 0 and rank " + r.rank
            + " differ after steps " + (first + 1) + "-" + r0.iterations + ": the partial sums were not the same");
      }
    }
    // values and slots are this process's copies of the job's start state: rank 0's changes make them its state
    r0.changed.applyTo(values, slots);
    LOG.debug("meshgrad engine: steps {}-{}: rank 0 sent {} of {} variables as their changed rows, the rest whole",
        first + 1, r0.iterations, values.length - r0.changed.wholeVariables(), values.length);
    for (int i = 0; i < values.length; i++) {
      vars.get(i).assign(values[i]);
    }
    optimizer.setWeights(Arrays.asList(slots));
    optimizer.setIterations(r0.iterations);
    // every rank's replica is now the driver's state (checked above, and by each task before it uses its replica)
    heldFit = jobFit;
    heldJob = lastJob[0];
    heldValues = values;
    heldSlots = slots;
    heldIterations = r0.iterations;
    heldFingerprint = r0.fingerprint;
    for (StepStats s : r0.stats) {
      loss.recordStepStats(s, optimizer);
    }
    return new Steps(r0.losses, r0.stats, r0.handedBack);
  }

  /**
   * Submits a job ({@code submit} with the attempt number) until it succeeds: a failed barrier
   * result stage is not retried by Spark, so a failed job runs again from the state at its start
   * (which {@code submit} ships anew), at most {@link #maxAttempts} times.
   */
  <R> List<R> withRetries(long first, int count, java.util.function.LongFunction<List<R>> submit) {
    List<R> results = null;
    for (long attempt = 0; results == null; attempt++) {
      try {
        results = submit.apply(attempt);
      } catch (Exception e) {
        // a cancelled job (SparkContext.cancelJob/cancelAllJobs, a stopped context) is not a failure to retry
        boolean cancelled = String.valueOf(e.getMessage()).contains(" cancelled");
        if (!(e instanceof SparkException) || cancelled || attempt + 1 >= maxAttempts) {
          throw e instanceof RuntimeException r ? r
              : new IllegalStateException("meshgrad engine: the job of steps " + (first + 1) + "-" + (first + count)
                  + " failed " + (attempt + 1) + " times (" + MAX_ATTEMPTS_CONF + "=" + maxAttempts + ")", e);
        }
        failedAttempts++;
        LOG.warn("meshgrad engine: the job of steps {}-{} failed ({}); submitting it again from the state at its "
            + "start (attempt {} of {})", first + 1, first + count, firstLine(e), attempt + 2, maxAttempts);
      }
    }
    return results;
  }

  private static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private Replicas<?> replicas(Optimizer optimizer, String[] names, Tensor[] values, Tensor[] slots, long from,
      long fingerprint, long job, int count, double tol, double previousLoss, boolean handBackNonFinite) {
    return new Replicas(optimizer, loss, data.sums(), names, values, slots, from, fingerprint, job, count, tol,
        previousLoss, handBackNonFinite, loss.aggregationDepth());
  }

  /**
   * Whether the state of {@code vars}, {@code optimizer}'s slots and its iteration count ({@code
   * iterations}) is bit for bit the state held since the last job: compared element by element
   * with the held arrays, at memory speed, NaN payloads included.
   */
  private boolean holdsCurrentState(Optimizer optimizer, List<Variable> vars, long iterations) {
    List<Variable> slotVars = optimizer.variables();
    if (iterations != heldIterations || vars.size() != heldValues.length || slotVars.size() != heldSlots.length) {
      return false;
    }
    for (int i = 0; i < heldValues.length; i++) {
      if (!StateBits.same(vars.get(i).value(), heldValues[i])) {
        return false;
      }
    }
    for (int k = 0; k < heldSlots.length; k++) {
      if (!StateBits.same(slotVars.get(k).value(), heldSlots[k])) {
        return false;
      }
    }
    return true;
  }

  /** Drops the state held since the last job (its arrays too): the next job ships a fresh copy. */
  private void forgetHeldState() {
    heldFit = null;
    heldJob = -1;
    heldValues = null;
    heldSlots = null;
  }

  /** The state a task keeps on its endpoint between jobs, and the driver sends to a task that has none. */
  private record State(Tensor[] values, Tensor[] slots) implements Serializable {}

  /**
   * The driver's state at a job's start, serialized for the tasks that ask for it ({@link
   * MeshTransport#fetchState}: their executor kept no replica of the last job), at most once per job.
   */
  private static final class Served implements java.util.function.IntFunction<byte[]> {
    private final Tensor[] values;
    private final Tensor[] slots;
    private final long first;
    private byte[] bytes;

    Served(Tensor[] values, Tensor[] slots, long first) {
      this.values = values;
      this.slots = slots;
      this.first = first;
    }

    @Override
    public synchronized byte[] apply(int rank) {
      if (bytes == null) {
        bytes = ObjectBytes.write(new State(values, slots));
      }
      LOG.debug("meshgrad engine: rank {} fetched the state at step {} from the driver ({} bytes)", rank, first,
          bytes.length);
      return bytes;
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private List<Result> submit(Replicas<?> body, long attempt) {
    return BarrierJob.run((org.apache.spark.api.java.JavaRDD) data.rows(), fit(), attempt, (BarrierJob.Body) body);
  }

  /**
   * What a task gives back: rank 0 what the job changed in its state (rows, or whole variables);
   * every rank the losses and a checksum of what the job changed in its replicas.
   */
  private static final class Result implements Serializable {
    private static final long serialVersionUID = 1L;
    final int rank;
    final double[] losses;
    final StepStats[] stats;
    final long iterations;
    final long checksum;
    final StepChanges.ChangedState changed;
    final boolean handedBack;
    /** Rank 0: the {@link StateBits#fingerprint} of the replica it keeps for the next job; others 0. */
    final long fingerprint;

    Result(int rank, double[] losses, StepStats[] stats, long iterations, long checksum,
        StepChanges.ChangedState changed, boolean handedBack, long fingerprint) {
      this.fingerprint = fingerprint;
      this.handedBack = handedBack;
      this.rank = rank;
      this.losses = losses;
      this.stats = stats;
      this.iterations = iterations;
      this.checksum = checksum;
      this.changed = changed;
    }
  }

  /** A task's part of a job: its replicas of the variables and slots, stepped with its peers. */
  private static final class Replicas<T> implements BarrierJob.Body<T, Result> {
    private static final long serialVersionUID = 1L;
    private final Optimizer optimizer;
    private final DatasetLoss loss;
    private final EngineData.PartitionSums<T> sums;
    private final String[] names;
    /** The state at the job's start, or {@code null} when the tasks start from their replicas of job {@link #from}. */
    private final Tensor[] values;
    private final Tensor[] slots;
    private final long from;
    /**
     * When the tasks start from their replicas of job {@link #from}: rank 0's {@link
     * StateBits#fingerprint} of its replica at that job's end, which is the driver's state.
     */
    private final long fingerprint;
    /** This job attempt's number: the tag of the replica each task keeps after it. */
    private final long jobNumber;
    private final int count;
    private final double tol;
    private final double previousLoss;
    private final boolean handBackNonFinite;
    private final int depth;

    Replicas(Optimizer optimizer, DatasetLoss loss, EngineData.PartitionSums<T> sums, String[] names, Tensor[] values,
        Tensor[] slots, long from, long fingerprint, long job, int count, double tol, double previousLoss,
        boolean handBackNonFinite, int depth) {
      this.from = from;
      this.fingerprint = fingerprint;
      this.jobNumber = job;
      this.handBackNonFinite = handBackNonFinite;
      this.optimizer = optimizer;
      this.loss = loss;
      this.sums = sums;
      this.names = names;
      this.values = values;
      this.slots = slots;
      this.count = count;
      this.tol = tol;
      this.previousLoss = previousLoss;
      this.depth = depth;
    }

    @Override
    public Result run(java.util.Iterator<T> rows, MeshTransport transport, int numRanks) {
      T partition = rows.next();
      State start = startState(transport);
      List<Variable> vars = new ArrayList<>();
      for (int i = 0; i < names.length; i++) {
        vars.add(new Variable(names[i], start.values()[i]));
      }
      Optimizer opt = optimizer; // this task's own deserialized copy: iterations and configuration, no slots
      opt.build(vars);
      opt.setWeights(Arrays.asList(start.slots()));
      Exchanged exchanged = new Exchanged(partition, transport, numRanks, opt, handBackNonFinite);
      // a step checks only the rows it changed: the values it did not change must be finite already
      boolean finite = !handBackNonFinite || vars.stream().allMatch(v -> StepChanges.finite(v.value()));
      double[] losses = new double[count];
      StepStats[] stats = new StepStats[count];
      int taken = 0;
      boolean handedBack = false;
      StepChanges.Job job = new StepChanges.Job(vars.size());
      while (taken < count) {
        double l = opt.minimize(exchanged, vars);
        job.add(exchanged.changes);
        if (handBackNonFinite && (!Double.isFinite(l) || exchanged.nonFiniteGradient
            || !exchanged.changes.finite(vars, finite))) {
          exchanged.undo.restore();
          opt.setIterations(opt.iterations() - 1);
          handedBack = true;
          break;
        }
        finite = true;
        stats[taken] = exchanged.lastStats;
        losses[taken++] = l;
        double previous = taken == 1 ? previousLoss : losses[taken - 2];
        if (tol > 0 && Math.abs(previous - l) <= tol * Math.max(1.0, Math.abs(l))) {
          break;
        }
      }
      boolean first = transport.rank() == 0;
      // kept for the fit's next job on this executor; used only under this attempt's number, after a check
      Tensor[] endValues = new Tensor[vars.size()];
      for (int i = 0; i < endValues.length; i++) {
        endValues[i] = vars.get(i).value();
      }
      // the variables' and the slots' own tensors, not copies: this task's variables and optimizer end with it
      List<Variable> slotVars = opt.variables();
      Tensor[] endSlots = new Tensor[slotVars.size()];
      for (int k = 0; k < endSlots.length; k++) {
        endSlots[k] = slotVars.get(k).value();
      }
      State end = new State(endValues, endSlots);
      transport.keepResident(jobNumber, end);
      // the replicas started the job equal: they are equal when what the job changed is; rank 0's fingerprint of its
      // replica is what every task checks its kept replica against when the next job starts from them
      return new Result(transport.rank(), Arrays.copyOf(losses, taken), Arrays.copyOf(stats, taken), opt.iterations(),
          job.checksum(vars, opt), first ? job.changedState(vars, opt) : null, handedBack,
          first ? StateBits.fingerprint(end.values(), end.slots(), opt.iterations()) : 0);
    }

    /**
     * The state this task starts from: the closure's; else the replica its endpoint kept from job
     * {@link #from} when its fingerprint is rank 0's at that job's end (every bit read: a real
     * check, at memory speed); else the driver's, fetched over the fit's
     * transport (a new executor, a task moved, an endpoint closed by a failure or its idle timeout).
     * The endpoint keeps nothing meanwhile: a task that fails leaves no replica behind.
     */
    private State startState(MeshTransport transport) {
      Object kept = transport.takeResident(from);
      if (values != null) {
        return new State(values, slots);
      }
      if (kept instanceof State s && StateBits.fingerprint(s.values(), s.slots(), optimizer.iterations()) == fingerprint) {
        return s;
      }
      State fetched = read(transport.fetchState(from), State.class, "state");
      if (StateBits.fingerprint(fetched.values(), fetched.slots(), optimizer.iterations()) != fingerprint) {
        throw new IllegalStateException("meshgrad engine rank " + transport.rank() + ": the state fetched from the "
            + "driver is not the job's start state");
      }
      return fetched;
    }

    /**
     * The step's loss as this task sees it: its partition's sums and its peers', summed in the
     * fixed order. The sums read the variables through {@link TaskWeights} (a sparse step's touched
     * rows straight from the tensors; a variable asked for whole kept widened to double between
     * steps, refreshed at the rows the previous step changed, {@link StepChanges}), and, with {@code handBackNonFinite}, saves what
     * the step is about to change ({@link #undo}) once its gradients are known.
     */
    private final class Exchanged implements DifferentiableLoss {
      private final T partition;
      private final MeshTransport transport;
      private final int numRanks;
      private final Optimizer clock;
      private final boolean saveUndo;
      private TaskWeights weights;
      /** What the last evaluated step changes (before the first: everything). */
      StepChanges changes;
      StepChanges.Undo undo;
      StepStats lastStats;
      boolean nonFiniteGradient;

      Exchanged(T partition, MeshTransport transport, int numRanks, Optimizer clock, boolean saveUndo) {
        this.partition = partition;
        this.transport = transport;
        this.numRanks = numRanks;
        this.clock = clock;
        this.saveUndo = saveUndo;
      }

      @Override
      public LossAndGradients evaluate(List<Variable> variables) {
        long start = System.nanoTime();
        long step = clock.iterations();
        List<Tensor> current = new ArrayList<>(variables.size());
        for (Variable v : variables) {
          current.add(v.value());
        }
        if (weights == null) {
          weights = new TaskWeights(variables.size());
          changes = StepChanges.all(variables.size());
        }
        weights.refresh(variables, changes);
        int rank = transport.rank();
        PartialSums mine = sums.ofWeights(partition, step, weights);
        byte[] bytes = mine.toBytes();
        for (int peer = 0; peer < numRanks; peer++) {
          if (peer != rank) {
            transport.send(peer, step, bytes);
          }
        }
        List<PartialSums> all = new ArrayList<>(numRanks);
        for (int peer = 0; peer < numRanks; peer++) {
          all.add(peer == rank ? mine : PartialSums.fromBytes(transport.receive(peer, step)));
        }
        PartialSums total = OrderedTreeSum.sumInProcess(all, depth, PartialSums::plus);
        DatasetLoss.Objective o = loss.objective(total, variables, current);
        nonFiniteGradient = false;
        for (io.meshgrad.tensor.Gradient g : o.lossAndGradients().gradients()) {
          nonFiniteGradient |= g != null && !StepChanges.finite(g.values());
        }
        changes = StepChanges.of(clock, variables, o.lossAndGradients().gradients());
        undo = saveUndo ? new StepChanges.Undo(changes, variables, clock) : null;
        lastStats = new StepStats(o.lossAndGradients().loss(), total.count(), total.weightSum(), o.gradientNorms(),
            o.gradientMaxAbs(), 0, total.bytesShipped(), 0, 0, (System.nanoTime() - start) / 1e9);
        return o.lossAndGradients();
      }
    }
  }

  /** A peer's message: what the peer's {@link ObjectBytes#write} wrote, read with this task's meshgrad classes. */
  static <T> T read(byte[] b, Class<T> type, String what) {
    return ObjectBytes.read(b, type, "the meshgrad engine: a peer's " + what);
  }

  static boolean finite(Tensor t) {
    return StepChanges.finite(t);
  }

  /**
   * A checksum of the exact bits of every element, to tell that the replicas are equal. Every NaN
   * counts as the same value: a NaN's payload is not part of the result (replicas stepped through a
   * NaN may hold NaNs of different payloads).
   */
  static long checksum(List<Tensor> tensors) {
    long h = 1125899906842597L;
    for (Tensor t : tensors) {
      // each element widened to double, read in place (widening a 2^22-element model to a new array costs more)
      if (t.dtype() == io.meshgrad.tensor.DType.FLOAT64) {
        for (double x : t.doubles()) {
          h = 31 * h + Double.doubleToLongBits(x);
        }
      } else {
        for (float x : t.floats()) {
          h = 31 * h + Double.doubleToLongBits(x);
        }
      }
    }
    return h;
  }
}
