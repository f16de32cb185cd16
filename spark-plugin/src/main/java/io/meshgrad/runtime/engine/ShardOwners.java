package io.meshgrad.runtime.engine;

import io.meshgrad.metrics.StepStats;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.ShardedStep;
import io.meshgrad.support.ObjectBytes;
import io.meshgrad.runtime.DatasetLoss;
import io.meshgrad.runtime.EngineWire;
import io.meshgrad.runtime.EngineData;
import io.meshgrad.runtime.MeshRuntime;
import io.meshgrad.runtime.ObjectiveGradient;
import io.meshgrad.runtime.OwnedShards;
import io.meshgrad.runtime.PartialSums;
import io.meshgrad.runtime.Penalty;
import io.meshgrad.runtime.RowAnswer;
import io.meshgrad.runtime.RowPull;
import io.meshgrad.runtime.RowPuller;
import io.meshgrad.runtime.RowRequests;
import io.meshgrad.runtime.ShardIndex;
import io.meshgrad.runtime.ShardPartial;
import io.meshgrad.runtime.ShardUpdate;
import io.meshgrad.runtime.VariableShard;
import io.meshgrad.mesh.ShardedShape;
import io.meshgrad.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.util.CollectionAccumulator;
import scala.Tuple2;

/**
 * The engine's job for variables sharded on a {@link MeshRuntime} ({@code batch=2,model=2}): one
 * barrier task per data partition (rank = data partition), each holding its data partition and
 * the state partitions it owns ({@link OwnedShards#ownerOf}: round robin) for the whole job; the
 * shards reach their owners through one shuffle of the state at the job's start. Per step each
 * task
 * <ol>
 *   <li>computes its partition's {@link PartialSums} at its whole copies of the variables (the job
 *       path's own function), cuts them per shard and sends each owner its pieces (round 0);</li>
 *   <li>sums the pieces of its own shards in the job path's order and levels into their gradients;
 *       with norm clipping, sends every peer its shards' sums of squares, one scalar a shard
 *       (round 1);</li>
 *   <li>clips and updates its shards with the job path's kernels and sends every peer the
 *       updates (round 2), which every task writes into its copies of the variables, as the job
 *       path's driver writes them into its own.</li>
 * </ol>
 * With row-pulled variables each task first asks the owners for its batch's rows (round 3) and
 * the owners answer (round 4). The requests depend on the data and the step number only, so a
 * task sends the next step's with this step's, and an owner answers them right after its update,
 * together with the updates (and its verdict on non-finite shards, round 5): after a job's first
 * step a step waits on two rounds (three with norm clipping), not four.
 * Replicated variables (the intercept) are one-shard variables here: owned by one rank, summed
 * there in the fixed order, their new value sent to all. Every task so holds the same values
 * (checked at the end of the job) and the result is bit for bit the job path's.
 *
 * <p>The job's output stays on the executors: the barrier stage is a shuffle map stage whose tasks
 * write their shards as (state partition, shard) records, shuffled into the runtime's new state
 * ({@link MeshRuntime#engineState}); each task's small result (losses, stats, checksum; rank 0
 * also the values of the variables the driver copies) reaches the driver with its completion
 * (a {@link CollectionAccumulator} of their bytes). A lost output is recomputed by Spark running the barrier stage again,
 * so the job's rendezvous stays open until the runtime's next lineage cut ({@link
 * MeshRuntime#adoptEngineState}).
 */
final class ShardOwners {
  private ShardOwners() {}

  /** Steps on the runtime's sharded variables, as {@link StepEngine#run} describes. */
  static StepEngine.Steps run(StepEngine engine, MeshRuntime runtime, Optimizer optimizer, List<Variable> vars,
      int count, long totalSteps, double tol, double previousLoss, boolean handBackNonFinite) {
    optimizer.build(vars);
    DatasetLoss loss = engine.loss();
    EngineData<?> data = engine.data();
    int ranks = data.rows().getNumPartitions();
    MeshRuntime.EngineStart start = runtime.engineStart(loss, vars, ranks);
    long first = optimizer.iterations();
    String[] names = vars.stream().map(Variable::name).toArray(String[]::new);
    JavaRDD<Owned<Object>> zipped = zip(data, start.shardsByOwner());
    // the tasks of the job whose output the runtime's state is kept their shards on their endpoints: the tasks of this
    // job use them (not reading their state partitions) where they find them under the tags those tasks reported
    MeshRuntime.EngineResident noted = runtime.engineResident();
    long[] residentTags = noted != null && noted.note() instanceof Resident kept && kept.tags().length == ranks
        ? kept.tags() : null;
    boolean residentAtCut = noted != null && noted.atCut();
    engine.jsc().setJobDescription("meshgrad steps " + (first + 1) + "-" + (first + count)
        + (totalSteps > 0 ? "/" + totalSteps : ""));
    Job job = engine.withRetries(first, count, attempt -> List.of(submit(engine, runtime, zipped, ranks, attempt,
        residentTags, residentAtCut,
        new Task<>(optimizer, loss, sums(data), start.index(), loss.aggregationDepth(), start.variables(),
            start.penalties(), start.pulled(), names, start.values(), count, tol, previousLoss,
            handBackNonFinite)))).get(0);
    Result r0 = job.results.get(0);
    for (Result r : job.results) {
      if (r.checksum != r0.checksum || r.iterations != r0.iterations) {
        job.close();
        throw new IllegalStateException("meshgrad engine: the variables of rank 0 and rank " + r.rank
            + " differ after steps " + (first + 1) + "-" + r0.iterations + ": the updates were not the same");
      }
    }
    engine.jsc().setJobDescription("meshgrad state after steps " + (first + 1) + "-" + r0.iterations);
    long closureBytes = 0;
    for (Tensor t : start.values()) {
      closureBytes += t == null ? 0 : (long) t.size() * (t.dtype() == io.meshgrad.tensor.DType.FLOAT32 ? 4 : 8);
    }
    runtime.adoptEngineState(job.state, r0.values, r0.losses.length, job.rendezvous::close, closureBytes);
    long[] kept = new long[ranks];
    for (Result r : job.results) {
      kept[r.rank] = r.kept;
    }
    runtime.noteEngineResident(new Resident(kept));
    engine.jsc().setJobDescription(null);
    optimizer.setIterations(r0.iterations);
    StepStats[] stats = withBytesReceived(job.results);
    for (StepStats s : stats) {
      loss.recordStepStats(s, optimizer);
    }
    return new StepEngine.Steps(r0.losses, stats, r0.handedBack);
  }

  /**
   * Rank 0's step stats with, as bytes broadcast, what reached every data partition in each step:
   * the sum of the ranks' numbers (each its pulled rows; rank 0 also the whole copies' values the
   * step read, which every task receives alike: the job's closure for its first step, the
   * previous step's updates after it), as the job path counts the rows it pulls for every
   * partition and the weights it ships once (a whole base, then the changed coordinates).
   */
  private static StepStats[] withBytesReceived(List<Result> results) {
    StepStats[] own = results.get(0).stats;
    StepStats[] out = new StepStats[own.length];
    for (int k = 0; k < own.length; k++) {
      long bytes = 0;
      for (Result r : results) {
        bytes += r.stats[k].bytesBroadcast();
      }
      StepStats s = own[k];
      out[k] = new StepStats(s.loss(), s.examples(), s.weightSum(), s.variableGradientNorms(), s.gradientMaxAbs(),
          bytes, s.bytesAggregated(), s.bytesToDriver(), s.bytesWrittenOnShards(), s.seconds());
    }
    return out;
  }

  /**
   * One attempt of the job: the barrier stage of the owners (each task its shards as (state
   * partition, shard) records, its small result through an accumulator), shuffled into the new
   * state by the runtime ({@link MeshRuntime#engineState}, which runs it). The rendezvous stays
   * open while the new state's lineage may run the barrier stage again.
   */
  private static Job submit(StepEngine engine, MeshRuntime runtime, JavaRDD<Owned<Object>> zipped, int ranks,
      long attempt, long[] residentTags, boolean residentAtCut, Task<Object> task) {
    Rendezvous rendezvous = BarrierJob.rendezvous(engine.fit(), ranks, attempt);
    try {
      CollectionAccumulator<byte[]> results = engine.jsc().sc().collectionAccumulator("meshgrad engine results");
      JavaRDD<Tuple2<Integer, VariableShard>> shards = BarrierJob.stage(zipped, engine.transport(), rendezvous,
          new ShardsOut<>(task, results, residentTags, residentAtCut));
      JavaRDD<VariableShard> state = runtime.engineState(shards);
      Map<Integer, Result> byRank = byRank(results);
      List<Result> ordered = new ArrayList<>();
      for (int r = 0; r < ranks; r++) {
        Result res = byRank.get(r);
        if (res == null) {
          state.unpersist(false);
          throw new IllegalStateException("meshgrad engine: rank " + r + " of the job reported no result");
        }
        ordered.add(res);
      }
      return new Job(state, ordered, rendezvous);
    } catch (Throwable e) { // Spark's failures (SparkException) are checked exceptions Scala throws undeclared
      rendezvous.close();
      throw e;
    }
  }

  /**
   * What the tasks of a job kept on their endpoints ({@link ShardsOut}): rank {@code r}'s shards at
   * the job's end under tag {@code tags[r]} (a random number its task drew; {@code -1}: none).
   */
  private record Resident(long[] tags) {}

  /** A finished job: the new state (persisted), every rank's result, and the rendezvous its lineage may need. */
  private record Job(JavaRDD<VariableShard> state, List<Result> results, Rendezvous rendezvous) {
    void close() {
      state.unpersist(false);
      rendezvous.close();
    }
  }

  /**
   * A task's part: the steps ({@link Task}), then its shards as records and its result to the
   * driver. The task is kept serialized as it was at the job's start: Spark serializes a stage's
   * closure when it submits the stage, and a later job that recomputes this one's lost output
   * submits it again, when the driver's optimizer (iterations, slots) has moved on.
   *
   * <p>The task keeps its shards at the job's end on its endpoint ({@link MeshTransport#keepResident},
   * the post-job shards themselves: shards are immutable) under a random tag it reports with its
   * result. A task of the fit's next job whose endpoint still holds its rank's shards under the tag
   * the driver noted for the runtime's state ({@code residentTags}, see {@link
   * MeshRuntime#engineResident}) starts from them and never reads its state partition (no shuffle
   * record read, none deserialized); any other task (a new executor, an endpoint closed by a failed
   * task or its idle timeout, a job after another writer of the state) reads its partition as
   * before. The shards are written as records all the same: they are what recomputes a lost output.
   */
  private static final class ShardsOut<T> implements BarrierJob.Body<Owned<T>, List<Tuple2<Integer, VariableShard>>> {
    private static final long serialVersionUID = 1L;
    private final byte[] task;
    private final CollectionAccumulator<byte[]> results;
    /** By rank: the tag under which the previous job's task kept the rank's shards; {@code null}: none to use. */
    private final long[] residentTags;
    /** Whether the runtime's state is the kept shards as a lineage cut into files leaves them ({@link VariableShard#atCut()}). */
    private final boolean residentAtCut;

    ShardsOut(Task<T> task, CollectionAccumulator<byte[]> results, long[] residentTags, boolean residentAtCut) {
      this.task = ObjectBytes.write(task);
      this.results = results;
      this.residentTags = residentTags == null ? null : residentTags.clone();
      this.residentAtCut = residentAtCut;
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<Tuple2<Integer, VariableShard>> run(java.util.Iterator<Owned<T>> rows, MeshTransport transport,
        int numRanks) {
      Task<T> task = (Task<T>) StepEngine.read(this.task, Task.class, "job");
      int rank = transport.rank();
      Owned<T> in = rows.next();
      // taken in any case: the endpoint keeps nothing while the job runs, so a failed task leaves nothing behind
      long tag = residentTags == null ? -1 : residentTags[rank];
      Object kept = transport.takeResident(tag);
      List<VariableShard> shards = kept instanceof KeptShards k && k.rank == rank && k.tag == tag
          ? (residentAtCut ? k.shards.stream().map(VariableShard::atCut).toList() : k.shards)
          : in.stateShards();
      Result r = task.run(List.of(new Owned<>(in.partition, shards)).iterator(), transport, numRanks);
      long keptTag = java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
      transport.keepResident(keptTag, new KeptShards(rank, keptTag, List.copyOf(r.shards)));
      List<Tuple2<Integer, VariableShard>> out = new ArrayList<>();
      for (VariableShard s : r.shards) {
        out.add(new Tuple2<>(task.index.partitionOf(s.variable(), s.shard()), s));
      }
      results.add(ObjectBytes.write(
          new Result(r.rank, r.losses, r.stats, r.iterations, r.checksum, r.values, List.of(), r.handedBack,
              keptTag)));
      return out;
    }
  }

  /**
   * Every rank's {@link Result} of one job, by rank, as the tasks added them to the job's
   * accumulator with their completion (a task that Spark runs again, in a retried stage or a
   * recomputation, reports the same result again: the steps are deterministic). The results travel
   * as bytes in Spark's own accumulator class, so that the driver's result threads need none of
   * meshgrad's classes (a Connect session may have them only in its own class loader).
   */
  private static Map<Integer, Result> byRank(CollectionAccumulator<byte[]> results) {
    Map<Integer, Result> byRank = new TreeMap<>();
    for (byte[] b : results.value()) {
      Result r = ObjectBytes.read(b, Result.class, "the meshgrad engine: a task's result");
      byRank.put(r.rank, r);
    }
    return byRank;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static EngineData.PartitionSums<Object> sums(EngineData<?> data) {
    return (EngineData.PartitionSums) data.sums();
  }

  /** Each data partition with the shards its task owns (partition {@code r} of both). */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static JavaRDD<Owned<Object>> zip(EngineData<?> data, JavaRDD<List<VariableShard>> shardsByOwner) {
    JavaRDD<Object> rows = (JavaRDD) data.rows();
    return rows.zipPartitions(shardsByOwner,
        (it, owned) -> List.of(new Owned<>(it.next(), owned)).iterator());
  }

  /**
   * A data partition and the state shards its task owns: given, or read from the task's state
   * partition only when asked for ({@link #stateShards}), so that a task that starts from its kept
   * shards reads no shuffle record of the state.
   */
  static final class Owned<T> implements Serializable {
    private static final long serialVersionUID = 1L;
    final T partition;
    final List<VariableShard> shards;
    /** The task's state partition, not read yet; {@code null} when the shards are given. */
    private final transient java.util.Iterator<List<VariableShard>> state;

    Owned(T partition, List<VariableShard> shards) {
      this.partition = partition;
      this.shards = new ArrayList<>(shards);
      this.state = null;
    }

    private Owned(T partition, java.util.Iterator<List<VariableShard>> state) {
      this.partition = partition;
      this.shards = null;
      this.state = state;
    }

    /** The shards of the task's state partition, read now. */
    List<VariableShard> stateShards() {
      if (state == null) {
        return shards;
      }
      return state.hasNext() ? state.next() : List.of();
    }
  }

  /** Shards a task kept on its endpoint at its job's end, with its rank and the tag it drew. */
  private record KeptShards(int rank, long tag, List<VariableShard> shards) {}

  /** What a task gives back: its shards; rank 0 also the variables' values; every rank the losses and a checksum. */
  private static final class Result implements Serializable {
    private static final long serialVersionUID = 1L;
    final int rank;
    final double[] losses;
    final StepStats[] stats;
    final long iterations;
    final long checksum;
    final List<Tensor> values;
    final List<VariableShard> shards;
    final boolean handedBack;
    /** The tag under which the task kept its shards on its endpoint ({@link ShardsOut}); {@code -1}: none. */
    final long kept;

    Result(int rank, double[] losses, StepStats[] stats, long iterations, long checksum, List<Tensor> values,
        List<VariableShard> shards, boolean handedBack) {
      this(rank, losses, stats, iterations, checksum, values, shards, handedBack, -1);
    }

    Result(int rank, double[] losses, StepStats[] stats, long iterations, long checksum, List<Tensor> values,
        List<VariableShard> shards, boolean handedBack, long kept) {
      this.kept = kept;
      this.rank = rank;
      this.losses = losses;
      this.stats = stats;
      this.iterations = iterations;
      this.checksum = checksum;
      this.values = values;
      this.shards = shards;
      this.handedBack = handedBack;
    }
  }

  /** A task's part of the job. */
  private static final class Task<T> implements BarrierJob.Body<Owned<T>, Result> {
    private static final long serialVersionUID = 1L;
    private final Optimizer optimizer;
    private final DatasetLoss loss;
    private final EngineData.PartitionSums<T> sums;
    private final ShardIndex index;
    private final int depth;
    private final int[] variables;
    private final Penalty[] penalties;
    private final RowPuller.Variables pulled;
    private final String[] names;
    private final List<Tensor> values;
    private final int count;
    private final double tol;
    private final double previousLoss;
    private final boolean handBackNonFinite;

    Task(Optimizer optimizer, DatasetLoss loss, EngineData.PartitionSums<T> sums, ShardIndex index, int depth,
        int[] variables, Penalty[] penalties, RowPuller.Variables pulled, String[] names, List<Tensor> values,
        int count, double tol, double previousLoss, boolean handBackNonFinite) {
      this.pulled = pulled;
      this.optimizer = optimizer;
      this.loss = loss;
      this.sums = sums;
      this.index = index;
      this.depth = depth;
      this.variables = variables;
      this.penalties = penalties;
      this.names = names;
      this.values = new ArrayList<>(values);
      this.count = count;
      this.tol = tol;
      this.previousLoss = previousLoss;
      this.handBackNonFinite = handBackNonFinite;
    }

    @Override
    public Result run(java.util.Iterator<Owned<T>> rows, MeshTransport transport, int numRanks) {
      Owned<T> mine = rows.next();
      int rank = transport.rank();
      OwnedShards owned = new OwnedShards(index, depth, variables, penalties, numRanks, mine.shards, pulled);
      List<Tensor> whole = new ArrayList<>(values);
      List<Variable> vars = new ArrayList<>();
      for (int i = 0; i < names.length; i++) {
        // a pulled variable has no whole copy: the empty placeholder stands in for it, as among the job path's weights
        Tensor value = whole.get(variables[i]) != null ? whole.get(variables[i])
            : RowPuller.placeholder(index.dtype(variables[i]));
        vars.add(new Variable(names[i], value));
        if (whole.get(variables[i]) != null) {
          whole.set(variables[i], vars.get(i).value()); // the variable's own copy: the updates write into it
        }
      }
      Optimizer opt = optimizer; // this task's own deserialized copy: iterations and configuration
      double[] losses = new double[count];
      StepStats[] stats = new StepStats[count];
      int taken = 0;
      boolean handedBack = false;
      // the whole copies as the sums read them: a sparse step's rows straight from the tensors, a variable asked for
      // whole widened to double once, kept between steps and refreshed where a step's updates wrote
      TaskWeights weights = new TaskWeights(variables.length);
      StepChanges changes = StepChanges.all(variables.length);
      // a step checks only what it changed once every value is known to be finite (the first step checks all)
      boolean finiteBefore = false;
      // the whole copies' values this step's partial sums read, as they reached the task: the job's closure for its
      // first step, then the previous step's updates
      long shippedBytes = 0;
      for (Tensor t : values) {
        shippedBytes += t == null ? 0 : (long) t.size() * (t.dtype() == io.meshgrad.tensor.DType.FLOAT32 ? 4 : 8);
      }
      // the row pull's rounds sent one step ahead: this task's own requests and answers of the step they are for
      List<Tuple2<Integer, RowRequests>> pendingAsks = null;
      long pendingAsksStep = -1;
      List<Tuple2<Integer, RowAnswer>> pendingAnswers = null;
      long pendingAnswersStep = -1;
      while (taken < count) {
        long started = System.nanoTime();
        long step = opt.iterations();
        List<Optimizer.VariableStep> st = opt.nextSteps(vars);
        Map<Integer, Optimizer.VariableStep> steps = new HashMap<>();
        List<Tensor> current = new ArrayList<>();
        for (int i = 0; i < variables.length; i++) {
          steps.put(variables[i], st.get(i));
          current.add(vars.get(i).value());
        }
        weights.refresh(vars, changes);
        double penaltyValue = loss.penaltyValue(current);
        // with the hand-back, each step keeps what it overwrites in the owned shards' working copies, to undo it
        boolean undoable = handBackNonFinite;
        PartialSums partial;
        long pulledBytes = 0;
        if (pulled == null) {
          partial = sums.ofWeights(mine.partition, step, weights);
        } else {
          // rounds 3 and 4: the row-sparse pull. Each owner gets every partition's requests for its shards' rows and
          // answers every task; each task assembles its rows from the answers, as the job path's data tasks do. The
          // requests depend on the data and the step number only: each task sends the next step's with this step's
          // (so they wait at the owners), and the owners answer them as soon as their shards are updated, with the
          // updates (so a step waits on two rounds: its partials, then the updates with the next rows)
          List<Tuple2<Integer, RowRequests>> ownAsks = pendingAsksStep == step ? pendingAsks
              : sendRequests(transport, numRanks, step, mine.partition);
          if (taken + 1 < count) {
            pendingAsks = sendRequests(transport, numRanks, step + 1, mine.partition);
            pendingAsksStep = step + 1;
          }
          List<Tuple2<Integer, RowAnswer>> ownAnswers = pendingAnswersStep == step ? pendingAnswers
              : answerRequests(transport, numRanks, step, ownAsks, owned);
          Map<Integer, RowAnswer> mineAnswered = new HashMap<>();
          for (int q = 0; q < numRanks; q++) {
            List<Tuple2<Integer, RowAnswer>> got = q == rank ? ownAnswers
                : EngineWire.decodeAnswers(transport.receive(q, round(step, 4)));
            got.forEach(t -> mineAnswered.put(t._1(), t._2()));
          }
          RowPuller.Pulled rowsOfStep = RowPuller.fromAnswers(index, numRanks, pulled, mineAnswered, rank);
          pulledBytes = rowsOfStep.rows().byteSize();
          penaltyValue += Penalty.of(loss.regParam(), 0).value(rowsOfStep.regularisedSquares(), 0);
          partial = sums.ofRows(mine.partition, step, rowsOfStep.rows().rowsOf(rank),
              rowsOfStep.rows().weightsOf(rank, weights.wholeAll()));
        }

        // round 0: each owner gets its shards' pieces of every partition's sums
        List<List<Tuple2<Integer, ShardPartial>>> byRank = owned.split(partial, numRanks);
        List<Tuple2<Integer, ShardPartial>> received = new ArrayList<>(exchange(transport, numRanks, step, 0,
            new ArrayList<>(byRank.get(rank)), byRank));
        Map<Integer, Double> squares = owned.sum(received);

        // round 1 (norm clipping only): every shard's sum of squares to every task
        List<Double> allSquares = null;
        if (opt.clipping().needsNorms()) {
          Double[] bySquares = new Double[index.numPartitions()];
          for (Map<Integer, Double> part : exchangeAll(transport, numRanks, step, 1, squares,
              EngineWire::encodeSquares, EngineWire::decodeSquares)) {
            part.forEach((p, s) -> bySquares[p] = s);
          }
          allSquares = Arrays.asList(bySquares);
        }

        // round 2: the owners update their shards; every task writes every update into its values. An owner of a
        // pulled variable's shards sends at once what depends only on its updated shards: its verdict on them (round
        // 5) and its answers to the next step's row requests (round 4 of the next step)
        List<ShardUpdate> mineUpdated = owned.apply(opt, steps, allSquares, undoable);
        sendAll(transport, numRanks, step, 2, EngineWire.encodeUpdates(mineUpdated));
        boolean checksPulled = undoable && pulled != null;
        boolean pulledFiniteHere = checksPulled && owned.pulledFinite(finiteBefore);
        if (checksPulled) {
          sendAll(transport, numRanks, step, 5, new byte[] {(byte) (pulledFiniteHere ? 1 : 0)});
        }
        if (pulled != null && taken + 1 < count) {
          pendingAnswers = answerRequests(transport, numRanks, step + 1, pendingAsks, owned);
          pendingAnswersStep = step + 1;
        }
        List<ShardUpdate> updates = new ArrayList<>();
        for (int q = 0; q < numRanks; q++) {
          updates.addAll(q == rank ? mineUpdated : EngineWire.decodeUpdates(transport.receive(q, round(step, 2))));
        }
        updates.sort(Comparator.comparingInt(u -> index.partitionOf(u.variable(), u.shard())));
        ShardedStep.Result r = ShardedStep.Result.of(null, updates, index, null, Map.of());
        changes = StepChanges.ofUpdates(updates, index, variables);
        StepChanges.Undo undo = undoable ? new StepChanges.Undo(changes, vars, null) : null;
        r.applyNewValues(whole);
        double l = ObjectiveGradient.value(r.lossSum(), r.weightSum(), penaltyValue);
        opt.setIterations(step + 1);
        boolean finite = !undoable || Double.isFinite(l)
            && (finiteBefore ? changes.finite(vars, true) : allFinite(whole));
        if (checksPulled) {
          // round 5 (sent above): the pulled variables' shards are checked by their owners; every task must agree
          for (int q = 0; q < numRanks; q++) {
            finite &= q == rank ? pulledFiniteHere : transport.receive(q, round(step, 5))[0] != 0;
          }
        }
        if (undoable && !finite) {
          owned.undoLastStep();
          undo.restore();
          opt.setIterations(step);
          handedBack = true;
          break;
        }
        finiteBefore = true;
        double[] norms = new double[variables.length];
        for (int i = 0; i < norms.length; i++) {
          norms[i] = r.gradientNorm(variables[i]);
        }
        // what reached this task's data partition for this step: its pulled rows, and the whole copies' values (the
        // same at every task, counted by rank 0 alone: the driver sums the ranks' numbers, as the job path counts its
        // rows pulled for every partition and its shipped weights once)
        stats[taken] = new StepStats(l, r.count(), r.weightSum(), norms, r.gradientMaxAbs(),
            pulledBytes + (rank == 0 ? shippedBytes : 0), r.bytesAggregated(), 0, r.bytesWrittenOnShards(),
            (System.nanoTime() - started) / 1e9);
        shippedBytes = r.bytesToDriver();
        losses[taken++] = l;
        double previous = taken == 1 ? previousLoss : losses[taken - 2];
        if (tol > 0 && Math.abs(previous - l) <= tol * Math.max(1.0, Math.abs(l))) {
          break;
        }
      }
      List<Tensor> held = new ArrayList<>();
      for (Tensor t : whole) {
        if (t != null) {
          held.add(t);
        }
      }
      return new Result(rank, Arrays.copyOf(losses, taken), Arrays.copyOf(stats, taken), opt.iterations(),
          StepEngine.checksum(held), rank == 0 ? whole : null, owned.shards(), handedBack);
    }

    /**
     * Sends each owner this task's row requests of step {@code s} for the pulled variables' shards
     * it owns (round 3 of {@code s}); returns this task's requests to itself.
     */
    private List<Tuple2<Integer, RowRequests>> sendRequests(MeshTransport transport, int numRanks, long s,
        T partition) {
      int rank = transport.rank();
      int[] batchRows = sums.batchRows(partition, s);
      List<List<Tuple2<Integer, RowRequests>>> asks = new ArrayList<>();
      for (int q = 0; q < numRanks; q++) {
        asks.add(new ArrayList<>());
      }
      for (int k = 0; k < pulled.variables().length; k++) {
        ShardedShape shape = index.shape(pulled.variables()[k]);
        int[][] perShard = batchRows == null ? null : RowPull.requests(batchRows, shape);
        for (int sh = 0; sh < shape.numShards(); sh++) {
          int p = index.partitionOf(pulled.variables()[k], sh);
          asks.get(OwnedShards.ownerOf(p, numRanks)).add(new Tuple2<>(p,
              RowRequests.of(rank, perShard == null ? null : perShard[sh])));
        }
      }
      for (int peer = 0; peer < numRanks; peer++) {
        if (peer != rank) {
          transport.send(peer, round(s, 3), EngineWire.encodeRequests(asks.get(peer)));
        }
      }
      return asks.get(rank);
    }

    /**
     * Takes every task's row requests of step {@code s} (round 3, merged in rank order), answers
     * each task its own from this task's shards as they are now, and sends them (round 4 of {@code
     * s}); returns this task's answers to itself.
     */
    private List<Tuple2<Integer, RowAnswer>> answerRequests(MeshTransport transport, int numRanks, long s,
        List<Tuple2<Integer, RowRequests>> ownAsks, OwnedShards owned) {
      int rank = transport.rank();
      TreeMap<Integer, RowRequests> asked = new TreeMap<>();
      for (int q = 0; q < numRanks; q++) {
        List<Tuple2<Integer, RowRequests>> got = q == rank ? ownAsks
            : EngineWire.decodeRequests(transport.receive(q, round(s, 3)));
        for (Tuple2<Integer, RowRequests> t : got) {
          asked.merge(t._1(), t._2(), RowRequests::plus);
        }
      }
      // each task gets only the answers to its own requests
      List<List<Tuple2<Integer, RowAnswer>>> answers = new ArrayList<>();
      for (int q = 0; q < numRanks; q++) {
        answers.add(new ArrayList<>());
      }
      for (Map.Entry<Integer, RowRequests> e : asked.entrySet()) {
        RowRequests requests = e.getValue();
        for (int i = 0; i < requests.numSources(); i++) {
          int q = requests.source(i);
          answers.get(q).add(new Tuple2<>(e.getKey(), owned.answer(e.getKey(), RowRequests.of(q,
              requests.rows(i)))));
        }
      }
      for (int peer = 0; peer < numRanks; peer++) {
        if (peer != rank) {
          transport.send(peer, round(s, 4), EngineWire.encodeAnswers(answers.get(peer)));
        }
      }
      return answers.get(rank);
    }

    private static boolean allFinite(List<Tensor> values) {
      for (Tensor t : values) {
        if (t != null && !StepEngine.finite(t)) {
          return false;
        }
      }
      return true;
    }
  }

  /** The round's round number on the wire: six rounds a step. */
  private static long round(long step, int phase) {
    return step * 6 + phase;
  }

  /**
   * Sends peer {@code q} element {@code q} of {@code byRank} and returns what every peer sent this
   * task, after {@code own} (this task's element for itself), in rank order.
   */
  private static List<Tuple2<Integer, ShardPartial>> exchange(MeshTransport transport, int numRanks, long step,
      int phase, List<Tuple2<Integer, ShardPartial>> own, List<List<Tuple2<Integer, ShardPartial>>> byRank) {
    int rank = transport.rank();
    for (int peer = 0; peer < numRanks; peer++) {
      if (peer != rank) {
        transport.send(peer, round(step, phase), EngineWire.encodePartials(byRank.get(peer)));
      }
    }
    List<Tuple2<Integer, ShardPartial>> out = new ArrayList<>(own);
    for (int peer = 0; peer < numRanks; peer++) {
      if (peer != rank) {
        out.addAll(EngineWire.decodePartials(transport.receive(peer, round(step, phase))));
      }
    }
    return out;
  }

  /** Sends {@code bytes} to every peer as round {@code phase} of step {@code step}. */
  private static void sendAll(MeshTransport transport, int numRanks, long step, int phase, byte[] bytes) {
    for (int peer = 0; peer < numRanks; peer++) {
      if (peer != transport.rank()) {
        transport.send(peer, round(step, phase), bytes);
      }
    }
  }

  /** Sends {@code mine} ({@code encode}d) to every peer and returns every rank's, this one's included, in rank order. */
  private static <X> List<X> exchangeAll(MeshTransport transport, int numRanks, long step, int phase, X mine,
      Function<X, byte[]> encode, Function<byte[], X> decode) {
    int rank = transport.rank();
    byte[] bytes = encode.apply(mine);
    for (int peer = 0; peer < numRanks; peer++) {
      if (peer != rank) {
        transport.send(peer, round(step, phase), bytes);
      }
    }
    List<X> out = new ArrayList<>(numRanks);
    for (int peer = 0; peer < numRanks; peer++) {
      out.add(peer == rank ? mine : decode.apply(transport.receive(peer, round(step, phase))));
    }
    return out;
  }
}
