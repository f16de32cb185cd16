package io.meshgrad.data;

import java.io.Serializable;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Which rows of each data partition a training step uses. Pure: the answer depends only on the
 * plan's arguments, the step and the partition, and is the same on every JVM.
 *
 * <p><b>Full batch</b> ({@link #fullBatch}): every step uses every row, in stored order; one step
 * per epoch.
 *
 * <p><b>Mini-batch</b> ({@link #miniBatch}): with {@code N} rows in all and batch size {@code B},
 * an epoch has {@code S = ceil(N / B)} steps. Global step {@code t} (0-based) belongs to epoch
 * {@code t / S} and is step {@code k = t % S} of it. Partition {@code p}, holding {@code n_p}
 * rows, takes the rows at positions {@code [floor(k n_p / S), floor((k + 1) n_p / S))} of its
 * epoch permutation. So within an epoch each partition uses each of its rows exactly once, each
 * step takes about {@code n_p / S} rows from every partition (a stratified sample), and a step's
 * batch has about {@code N / S <= B} rows in all, within one row per partition.
 *
 * <p>The epoch permutation of partition {@code p} is a Fisher–Yates (Durstenfeld) shuffle of
 * {@code 0 .. n_p-1}, drawing {@code j} uniformly in {@code [0, i]} for {@code i = n_p-1} down to
 * 1, from a SplitMix64 generator whose initial state is {@code mix64(mix64(mix64(seed) + epoch) +
 * p)}, {@code mix64} being SplitMix64's finalizer (see {@code SplitMix64} in this package).
 *
 * <p>Computing a permutation costs {@code O(n_p)}; the plan keeps the last one per partition in a
 * transient cache, so {@link #rowsFor} costs {@code O(n_p)} once per epoch and partition and
 * otherwise {@code O(batch rows)}. The cache lives as long as the plan object: ship the plan to
 * executors once per fit (a {@code Broadcast}), not in every task's closure, to keep it. The cache
 * is safe for concurrent tasks.
 *
 * <p>Immutable apart from that cache, and serializable.
 */
public final class BatchPlan implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The most rows one partition may hold: positions within a partition are {@code int}s. */
  public static final int MAX_PARTITION_ROWS = Integer.MAX_VALUE - 8;

  private final long[] rowsPerPartition;
  private final long totalRows;
  /** The requested batch size, or 0 for full batch. */
  private final long batchSize;
  private final long seed;
  private final long stepsPerEpoch;

  private transient volatile AtomicReferenceArray<EpochPermutation> cache;

  private record EpochPermutation(long epoch, int[] order) {}

  private BatchPlan(long[] rowsPerPartition, long totalRows, long batchSize, long seed) {
    this.rowsPerPartition = rowsPerPartition;
    this.totalRows = totalRows;
    this.batchSize = batchSize;
    this.seed = seed;
    this.stepsPerEpoch = batchSize == 0 ? 1 : (totalRows - 1) / batchSize + 1;
  }

  /**
   * Every step uses every row of every partition.
   *
   * @param rowsPerPartition number of rows of each partition, as {@link
   *     TrainingData#rowsPerPartition()}
   * @throws IllegalArgumentException if there are no partitions, a count is negative or above
   *     {@link #MAX_PARTITION_ROWS}, or there are no rows at all
   */
  public static BatchPlan fullBatch(long[] rowsPerPartition) {
    long[] rows = checkRows(rowsPerPartition);
    return new BatchPlan(rows, total(rows), 0, 0);
  }

  /**
   * Each epoch visits every row once, in a fresh per-partition random order, about {@code
   * batchSize} rows per step (see the class comment).
   *
   * @param rowsPerPartition number of rows of each partition, as {@link
   *     TrainingData#rowsPerPartition()}
   * @param batchSize the global batch size, at least 1; larger than the data means one step per
   *     epoch
   * @param seed the shuffle seed
   * @throws IllegalArgumentException as {@link #fullBatch}, or if {@code batchSize < 1}
   */
  public static BatchPlan miniBatch(long[] rowsPerPartition, int batchSize, long seed) {
    long[] rows = checkRows(rowsPerPartition);
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    return new BatchPlan(rows, total(rows), batchSize, seed);
  }

  /** Whether every step uses all rows. */
  public boolean isFullBatch() {
    return batchSize == 0;
  }

  /** {@code ceil(totalRows / batchSize)}, or 1 for full batch. */
  public long stepsPerEpoch() {
    return stepsPerEpoch;
  }

  /** The 0-based epoch of global step {@code step}: {@code step / stepsPerEpoch()}. */
  public long epochOf(long step) {
    checkStep(step);
    return step / stepsPerEpoch;
  }

  /** The requested batch size; for full batch, the total number of rows. */
  public long batchSize() {
    return isFullBatch() ? totalRows : batchSize;
  }

  /** The shuffle seed (0 for full batch). */
  public long seed() {
    return seed;
  }

  public int numPartitions() {
    return rowsPerPartition.length;
  }

  /** Number of rows of partition {@code partition}. */
  public long rowsInPartition(int partition) {
    checkPartition(partition);
    return rowsPerPartition[partition];
  }

  /** Number of rows of every partition (a copy). */
  public long[] rowsPerPartition() {
    return rowsPerPartition.clone();
  }

  public long totalRows() {
    return totalRows;
  }

  /**
   * The positions within partition {@code partition} of the rows that step {@code step} uses, in
   * permutation order (not sorted). Empty when the partition contributes no row to this step.
   *
   * @throws IllegalArgumentException if {@code step < 0} or the partition is out of range
   */
  public int[] rowsFor(long step, int partition) {
    checkStep(step);
    checkPartition(partition);
    int n = (int) rowsPerPartition[partition];
    if (isFullBatch()) {
      int[] all = new int[n];
      Arrays.setAll(all, i -> i);
      return all;
    }
    long k = step % stepsPerEpoch;
    int from = (int) scaledFloor(k, n, stepsPerEpoch);
    int to = (int) scaledFloor(k + 1, n, stepsPerEpoch);
    if (from == to) {
      return new int[0];
    }
    return Arrays.copyOfRange(permutation(step / stepsPerEpoch, partition), from, to);
  }

  /** Number of rows step {@code step} uses over all partitions. */
  public long rowsInStep(long step) {
    checkStep(step);
    if (isFullBatch()) {
      return totalRows;
    }
    long k = step % stepsPerEpoch;
    long rows = 0;
    for (long n : rowsPerPartition) {
      rows += scaledFloor(k + 1, n, stepsPerEpoch) - scaledFloor(k, n, stepsPerEpoch);
    }
    return rows;
  }

  /**
   * The epoch permutation of a partition (cached; callers must not modify it). For full batch,
   * the identity.
   */
  int[] permutation(long epoch, int partition) {
    checkPartition(partition);
    AtomicReferenceArray<EpochPermutation> entries = cache();
    EpochPermutation cached = entries.get(partition);
    if (cached != null && cached.epoch() == epoch) {
      return cached.order();
    }
    int[] order = shuffle((int) rowsPerPartition[partition], epoch, partition);
    entries.set(partition, new EpochPermutation(epoch, order));
    return order;
  }

  private int[] shuffle(int n, long epoch, int partition) {
    int[] order = new int[n];
    Arrays.setAll(order, i -> i);
    if (isFullBatch()) {
      return order;
    }
    SplitMix64 random = new SplitMix64(streamSeed(seed, epoch, partition));
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return order;
  }

  static long streamSeed(long seed, long epoch, int partition) {
    return SplitMix64.mix64(SplitMix64.mix64(SplitMix64.mix64(seed) + epoch) + partition);
  }

  private AtomicReferenceArray<EpochPermutation> cache() {
    AtomicReferenceArray<EpochPermutation> entries = cache;
    if (entries == null) {
      synchronized (this) {
        entries = cache;
        if (entries == null) {
          entries = new AtomicReferenceArray<>(rowsPerPartition.length);
          cache = entries;
        }
      }
    }
    return entries;
  }

  /** {@code floor(k * n / s)} for {@code k, n >= 0}, {@code s >= 1}, without overflow. */
  static long scaledFloor(long k, long n, long s) {
    if (Math.multiplyHigh(k, n) == 0 && k * n >= 0) {
      return k * n / s;
    }
    return BigInteger.valueOf(k)
        .multiply(BigInteger.valueOf(n))
        .divide(BigInteger.valueOf(s))
        .longValueExact();
  }

  private static long[] checkRows(long[] rowsPerPartition) {
    if (rowsPerPartition == null || rowsPerPartition.length == 0) {
      throw new IllegalArgumentException(
          "rowsPerPartition must list at least 1 partition, got "
              + (rowsPerPartition == null ? "null" : "[]"));
    }
    long[] rows = rowsPerPartition.clone();
    for (int p = 0; p < rows.length; p++) {
      if (rows[p] < 0 || rows[p] > MAX_PARTITION_ROWS) {
        throw new IllegalArgumentException(
            "rowsPerPartition[" + p + "] must be in [0, " + MAX_PARTITION_ROWS + "], got "
                + rows[p]);
      }
    }
    if (total(rows) == 0) {
      throw new IllegalArgumentException(
          "rowsPerPartition must hold at least 1 row in all, got 0 rows in " + rows.length
              + " partitions");
    }
    return rows;
  }

  private static long total(long[] rows) {
    long sum = 0;
    for (long n : rows) {
      sum = Math.addExact(sum, n);
    }
    return sum;
  }

  private static void checkStep(long step) {
    if (step < 0) {
      throw new IllegalArgumentException("step must be >= 0, got " + step);
    }
  }

  private void checkPartition(int partition) {
    if (partition < 0 || partition >= rowsPerPartition.length) {
      throw new IllegalArgumentException(
          "partition must be in [0, " + rowsPerPartition.length + "), got " + partition);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BatchPlan other
        && batchSize == other.batchSize
        && seed == other.seed
        && Arrays.equals(rowsPerPartition, other.rowsPerPartition);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(rowsPerPartition) + Long.hashCode(batchSize))
        + Long.hashCode(seed);
  }

  /**
   * For example {@code BatchPlan[miniBatch 32, seed 7, 4 steps/epoch, 100 rows in 3 partitions]}.
   */
  @Override
  public String toString() {
    String kind = isFullBatch() ? "fullBatch" : "miniBatch " + batchSize + ", seed " + seed;
    return "BatchPlan[" + kind + ", " + stepsPerEpoch + " steps/epoch, " + totalRows
        + " rows in " + rowsPerPartition.length + " partitions]";
  }

  /**
   * Checks that this plan was made for exactly these partition sizes: the number of partitions
   * alone is not enough, as each executor would then fail on its own partition in the middle of a
   * step.
   *
   * @throws IllegalArgumentException naming the first partition that differs
   */
  public void requireMadeFor(long[] rowsPerPartition) {
    if (numPartitions() != rowsPerPartition.length) {
      throw new IllegalArgumentException("batch plan is for " + numPartitions() + " partitions, the data has "
          + rowsPerPartition.length);
    }
    for (int p = 0; p < rowsPerPartition.length; p++) {
      if (rowsInPartition(p) != rowsPerPartition[p]) {
        throw new IllegalArgumentException("batch plan is for " + rowsInPartition(p) + " rows in partition " + p
            + ", the data has " + rowsPerPartition[p] + " (make the plan from TrainingData.rowsPerPartition())");
      }
    }
  }
}
