package io.meshgrad.runtime;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

/**
 * The persisted state RDD of a {@link MeshRuntime} (one {@link VariableShard} per partition) and
 * its lineage. Each new state is persisted and the one before unpersisted; every {@code
 * checkpointInterval} updates the lineage is cut, and what recomputing the state since the last
 * cut needed ({@link #holdUntilCut}) is released. With a checkpoint directory on the SparkContext
 * the cut writes the chunks changed since the previous cut into meshgrad's own files and the state
 * continues from an RDD that reads them ({@link StateCuts}); without one the update's job brings
 * the shards to the driver and the state restarts from there (see {@link ShardedStep}).
 */
final class StateLineage implements AutoCloseable {
  private final JavaSparkContext jsc;
  private int checkpointInterval = 10;
  private JavaRDD<VariableShard> state;
  private final List<Runnable> untilCut = new ArrayList<>();
  private long heldBytes;
  private long updates;
  private StateCuts cuts;

  StateLineage(JavaSparkContext jsc) {
    this.jsc = jsc;
  }

  /** The current state, {@code null} before the first variable. */
  JavaRDD<VariableShard> current() {
    return state;
  }

  int checkpointInterval() {
    return checkpointInterval;
  }

  /** Every this many updates (>= 1), or -1 for never. */
  void setCheckpointInterval(int interval) {
    if (interval < 1 && interval != -1) {
      throw new IllegalArgumentException("checkpointInterval must be >= 1 or -1 (never), got " + interval);
    }
    this.checkpointInterval = interval;
  }

  /** Whether the next update cuts the lineage. */
  boolean cutsNow() {
    return checkpointInterval > 0 && (updates + 1) % checkpointInterval == 0;
  }

  /**
   * Whether {@code steps} more updates pass a cut: whether one of them is an update that {@link
   * #cutsNow} would cut at, so that an engine job of that many steps ends with a cut.
   */
  boolean cutsWithin(int steps) {
    return checkpointInterval > 0 && (updates + steps) / checkpointInterval > updates / checkpointInterval;
  }

  /** Replaces the state outside an update (a new variable, slot or assigned value): persisted and computed now. */
  void replace(JavaRDD<VariableShard> next, String what) {
    JavaRDD<VariableShard> old = state;
    state = next.persist(StorageLevel.MEMORY_AND_DISK());
    state.setName("meshgrad state (" + what + ")");
    state.count();
    if (old != null) {
      old.unpersist(false);
    }
  }

  /**
   * Takes an update's new state (already persisted by its job); when that update cut the lineage,
   * runs {@code onCut} and releases everything held until the cut.
   */
  void advance(JavaRDD<VariableShard> next, Runnable onCut) {
    if (cutsNow() && jsc.getCheckpointDir().isPresent()) {
      cut(next, 1, onCut);
    } else {
      advance(next, 1, cutsNow(), onCut);
    }
  }

  /**
   * Takes the new state ({@code next}, persisted and computed) after {@code steps} updates and
   * cuts its lineage into the checkpoint directory's files ({@link StateCuts}: the chunks changed
   * since the previous cut): the state becomes the RDD that reads them, {@code next} is
   * unpersisted, {@code onCut} runs and everything held until the cut is released.
   *
   * @throws RuntimeException the cut's failure, with {@code next} unpersisted and the state as it was
   */
  void cut(JavaRDD<VariableShard> next, int steps, Runnable onCut) {
    if (cuts == null) {
      cuts = new StateCuts(jsc, jsc.getCheckpointDir().get());
    }
    JavaRDD<VariableShard> cutState;
    try {
      cutState = cuts.cut(next, "after update " + (updates + steps));
    } catch (Throwable e) { // Spark's failures (SparkException) are checked exceptions Scala throws undeclared
      next.unpersist(false);
      throw e;
    }
    JavaRDD<VariableShard> old = state;
    state = cutState;
    updates += steps;
    onCut.run();
    releaseHeld();
    next.unpersist(false);
    if (old != null && old != next) {
      old.unpersist(false);
    }
  }

  /** The files of this state's cuts, {@code null} before the first cut into a checkpoint directory. */
  StateCuts cuts() {
    return cuts;
  }

  /**
   * Takes the new state (already persisted and computed) after {@code steps} updates made at once
   * (an engine job's); when {@code cut} (its lineage was cut: restarted from the driver's copy),
   * runs {@code onCut} and releases everything held until the cut.
   */
  void advance(JavaRDD<VariableShard> next, int steps, boolean cut, Runnable onCut) {
    JavaRDD<VariableShard> old = state;
    state = next;
    updates += steps;
    if (cut) {
      onCut.run();
      releaseHeld();
    }
    old.unpersist(false);
  }

  /**
   * Takes a state that starts a new lineage ({@code next}, not yet persisted: it is persisted and
   * computed now) after {@code updates} updates made elsewhere: a cut, so {@code onCut} runs and
   * everything held until now is released.
   */
  void restart(JavaRDD<VariableShard> next, int updatesMade, String what, Runnable onCut) {
    JavaRDD<VariableShard> old = state;
    state = next.persist(StorageLevel.MEMORY_AND_DISK());
    state.setName("meshgrad state (" + what + ")");
    state.count();
    updates += updatesMade;
    onCut.run();
    releaseHeld();
    if (old != null) {
      old.unpersist(false);
    }
  }

  /** Keeps what {@code release} releases ({@code bytes} of it, see {@link #heldBytes}) until the next cut. */
  void holdUntilCut(long bytes, Runnable release) {
    untilCut.add(release);
    heldBytes += bytes;
  }

  /** Bytes of what is held until the next cut. */
  long heldBytes() {
    return heldBytes;
  }

  private void releaseHeld() {
    untilCut.forEach(Runnable::run);
    untilCut.clear();
    heldBytes = 0;
  }

  /** Unpersists the state, releases what is held and deletes the files of the state's cuts. */
  @Override
  public void close() {
    if (state != null) {
      state.unpersist(false);
    }
    releaseHeld();
    if (cuts != null) {
      cuts.close();
    }
  }
}
