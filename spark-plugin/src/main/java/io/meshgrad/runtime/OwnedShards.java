package io.meshgrad.runtime;

import io.meshgrad.optimizer.GradientClipping;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.tensor.Gradient;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import scala.Tuple2;

/**
 * The state partitions (variable shards with their slots) that one task of the many-steps-per-job
 * engine owns for a whole job, and the job path's own step on them, in process: the engine's task
 * does here, for its shards, what {@link ShardedStep#reduceScatter} and {@link
 * ShardedStep#update} do across the cluster, with the same code:
 * <ol>
 *   <li>{@link #split}: a data partition's sums cut into per-shard partials ({@code route}), grouped
 *       by the rank that owns each shard ({@link #ownerOf});</li>
 *   <li>{@link #sum}: at the owner, every source's partial for a shard summed with the job path's
 *       levels and order ({@link ShardedStep#sumInProcess}), turned into the shard's
 *       gradient ({@link ShardInput.Summed}); its sum of squares is what clipping needs of it;</li>
 *   <li>{@link #apply}: the shard clipped ({@link ShardedStep#clipTransforms}, from every
 *       shard's sum of squares) and updated in place on the job's working copy of it ({@link
 *       ShardWorkingCopy}: the kernel and rows of {@link VariableShard#afterStep}, without its
 *       copy of the chunks a step touches); the {@link ShardUpdate}s go to every task, which write
 *       them into their whole copies of the variables ({@link ShardedStep.Result#applyNewValues})
 *       as the job path's driver does.</li>
 * </ol>
 * The shards given stay untouched (a retried job starts from them); {@link #shards} makes the
 * immutable shards after the steps, sharing every chunk the job did not write with them. A step
 * applied with its undo kept can be taken back ({@link #undoLastStep}).
 */
public final class OwnedShards {
  private final ShardedStep aggregator;
  private final ShardIndex index;
  private final int[] variables;
  private final Penalty[] penalties;
  private final int numSources;
  private final RowPuller.Variables pulled;
  private final TreeMap<Integer, ShardWorkingCopy> shards = new TreeMap<>();
  private final TreeMap<Integer, Gradient> gradients = new TreeMap<>();
  private final TreeMap<Integer, ShardStepStats> stats = new TreeMap<>();

  /**
   * @param variables runtime variable index of each position of the loss's variables
   * @param penalties the regularisation of each position
   * @param numSources the data partitions
   * @param owned the shards this task owns, any order
   */
  public OwnedShards(ShardIndex index, int aggregationDepth, int[] variables, Penalty[] penalties, int numSources,
      Collection<VariableShard> owned) {
    this(index, aggregationDepth, variables, penalties, numSources, owned, null);
  }

  /**
   * @param pulled the variables that take the row-sparse pull, or {@code null}: their shards
   *     answer row requests ({@link #answer}) and send no new values in their updates, as on the
   *     job path
   */
  public OwnedShards(ShardIndex index, int aggregationDepth, int[] variables, Penalty[] penalties, int numSources,
      Collection<VariableShard> owned, RowPuller.Variables pulled) {
    this.pulled = pulled;
    this.aggregator = new ShardedStep(index, aggregationDepth);
    this.index = index;
    this.variables = variables.clone();
    this.penalties = penalties.clone();
    this.numSources = numSources;
    for (VariableShard s : owned) {
      shards.put(index.partitionOf(s.variable(), s.shard()), new ShardWorkingCopy(s));
    }
  }

  /** The rank that owns state partition {@code partition} among {@code numRanks}: round robin. */
  public static int ownerOf(int partition, int numRanks) {
    return partition % numRanks;
  }

  /** The state partition that holds {@code shard}. */
  public static int partitionOf(ShardIndex index, VariableShard shard) {
    return index.partitionOf(shard.variable(), shard.shard());
  }

  /**
   * The owned shards now, in state partition order: immutable shards made from the working
   * copies ({@link ShardWorkingCopy#toShard}), sharing every chunk the job did not write with the
   * shards given.
   */
  public List<VariableShard> shards() {
    List<VariableShard> out = new ArrayList<>();
    for (ShardWorkingCopy w : shards.values()) {
      out.add(w.toShard());
    }
    return out;
  }

  /**
   * Puts every owned shard back as it was before the last {@link #apply}, which must have kept
   * its undo: a non-finite step handed back.
   */
  public void undoLastStep() {
    for (ShardWorkingCopy w : shards.values()) {
      w.undoLastStep();
    }
  }

  /**
   * The owned shard at state partition {@code partition} answers the row requests {@code asked}
   * (every data partition's, merged in source order), with the shard's sum of squares when its
   * variable is L2-regularised: what the job path's update (or pull) answers.
   */
  public RowAnswer answer(int partition, RowRequests asked) {
    ShardWorkingCopy shard = shards.get(partition);
    if (shard == null) {
      throw new IllegalStateException("row requests for state partition " + partition + " reached a task that does "
          + "not own it (owns " + shards.keySet() + ")");
    }
    return RowAnswer.of(asked, shard, pulled != null && pulled.regularises(shard.variable()));
  }

  /**
   * Whether every owned shard of a row-pulled variable holds only finite values (no task holds
   * them whole), given, with {@code finiteBefore}, that they did before the last {@link #apply}:
   * then only the rows that step wrote are read (without it, every element is).
   */
  public boolean pulledFinite(boolean finiteBefore) {
    for (ShardWorkingCopy shard : shards.values()) {
      if (!withValues(shard.variable()) && !shard.writtenFinite(!finiteBefore)) {
        return false;
      }
    }
    return true;
  }

  private boolean withValues(int variable) {
    return pulled == null || java.util.Arrays.stream(pulled.variables()).noneMatch(v -> v == variable);
  }

  /**
   * A data partition's sums cut into one partial per state partition, grouped by owner: element
   * {@code r} holds what rank {@code r} owns, as (state partition, partial).
   */
  public List<List<Tuple2<Integer, ShardPartial>>> split(PartialSums sums, int numRanks) {
    List<List<Tuple2<Integer, ShardPartial>>> byRank = new ArrayList<>();
    for (int r = 0; r < numRanks; r++) {
      byRank.add(new ArrayList<>());
    }
    for (Tuple2<Integer, ShardPartial> piece : ShardedStep.route(index, variables, sums, null, null)) {
      byRank.get(ownerOf(piece._1(), numRanks)).add(piece);
    }
    return byRank;
  }

  /**
   * Sums every source's partials for each owned shard ({@code received}: the pieces every rank,
   * this one included, sent here) and turns each sum into the shard's gradient, kept for {@link
   * #apply}.
   *
   * @return each owned shard's gradient sum of squares, by state partition
   */
  public Map<Integer, Double> sum(List<Tuple2<Integer, ShardPartial>> received) {
    TreeMap<Integer, List<ShardPartial>> byPartition = new TreeMap<>();
    for (Tuple2<Integer, ShardPartial> piece : received) {
      if (!shards.containsKey(piece._1())) {
        throw new IllegalStateException("a partial for state partition " + piece._1() + " reached a task that does "
            + "not own it (owns " + shards.keySet() + ")");
      }
      byPartition.computeIfAbsent(piece._1(), p -> new ArrayList<>()).add(piece._2());
    }
    gradients.clear();
    stats.clear();
    TreeMap<Integer, Double> squares = new TreeMap<>();
    for (Map.Entry<Integer, ShardWorkingCopy> e : shards.entrySet()) {
      int p = e.getKey();
      List<ShardPartial> parts = byPartition.getOrDefault(p, List.of());
      if (parts.size() != numSources) {
        throw new IllegalStateException("state partition " + p + " got " + parts.size() + " partials, expected one "
            + "from each of the " + numSources + " data partitions");
      }
      ShardInput.Summed input = new ShardInput.Summed(aggregator.sumInProcess(p, parts, numSources),
          penaltyOf(index.variableOf(p)));
      Gradient g = input.gradient(e.getValue());
      ShardStepStats s = ShardStepStats.of(input, g);
      gradients.put(p, g);
      stats.put(p, s);
      squares.put(p, s.gradientSumOfSquares);
    }
    return squares;
  }

  private Penalty penaltyOf(int variable) {
    for (int pos = 0; pos < variables.length; pos++) {
      if (variables[pos] == variable) {
        return penalties[pos];
      }
    }
    throw new IllegalStateException("variable " + variable + " is not one of the loss's " + java.util.Arrays.toString(
        variables));
  }

  /**
   * Clips and applies each owned shard's gradient of the last {@link #sum}, as the job path's
   * update does.
   *
   * @param steps per runtime variable index: what {@link Optimizer#applyToVariable} needs
   * @param sumsOfSquares every state partition's gradient sum of squares, in partition order
   *     ({@code null} when the clipping needs no norms)
   * @return the owned shards' updates (new values and stats), in state partition order
   */
  public List<ShardUpdate> apply(Optimizer optimizer, Map<Integer, Optimizer.VariableStep> steps,
      List<Double> sumsOfSquares) {
    return apply(optimizer, steps, sumsOfSquares, false);
  }

  /**
   * {@link #apply(Optimizer, Map, List)}; with {@code keepUndo}, {@link #undoLastStep} can take
   * the step back.
   */
  public List<ShardUpdate> apply(Optimizer optimizer, Map<Integer, Optimizer.VariableStep> steps,
      List<Double> sumsOfSquares, boolean keepUndo) {
    Map<Integer, GradientClipping.Transform> transforms = ShardedStep.clipTransforms(index,
        optimizer.clipping(), steps.keySet(), sumsOfSquares);
    List<ShardUpdate> out = new ArrayList<>();
    for (Map.Entry<Integer, ShardWorkingCopy> e : shards.entrySet()) {
      ShardWorkingCopy shard = e.getValue();
      Gradient g = gradients.get(e.getKey());
      Optimizer.VariableStep step = steps.get(shard.variable());
      shard.notWritten();
      if (g != null && step != null) {
        shard.step(optimizer, step,
            transforms.getOrDefault(shard.variable(), GradientClipping.Transform.IDENTITY).apply(g),
            stats.get(e.getKey()), withValues(shard.variable()), keepUndo);
      }
      if (step != null) {
        out.add(shard.update(withValues(shard.variable())));
      }
    }
    return out;
  }
}
