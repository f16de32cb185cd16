package io.meshgrad.runtime;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persisted state RDD of a {@link MeshRuntime} (one {@link VariableShard} per partition) and
 * its lineage. Each new state is persisted and the one before unpersisted; every {@code
 * checkpointInterval} updates the lineage is cut (the update's job checkpoints or restarts the
 * state, see {@link ShardedStep}), the previous cut's checkpoint files are deleted, and what
 * recomputing the state since the last cut needed ({@link #holdUntilCut}) is released.
 */
final class StateLineage implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StateLineage.class);

  private final JavaSparkContext jsc;
  private int checkpointInterval = 10;
  private JavaRDD<VariableShard> state;
  private final List<Runnable> untilCut = new ArrayList<>();
  private long heldBytes;
  private long updates;
  private String lastCheckpointFile;

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
    advance(next, 1, cutsNow(), onCut);
  }

  /**
   * Takes the new state (already persisted and computed) after {@code steps} updates made at once
   * (an engine job's); when {@code cut} (its lineage was cut: checkpointed), runs {@code onCut},
   * releases everything held until the cut and deletes the previous cut's checkpoint.
   */
  void advance(JavaRDD<VariableShard> next, int steps, boolean cut, Runnable onCut) {
    JavaRDD<VariableShard> old = state;
    state = next;
    updates += steps;
    if (cut) {
      onCut.run();
      releaseHeld();
      deletePreviousCheckpoint();
    }
    old.unpersist(false);
  }

  /**
   * Takes a state that starts a new lineage ({@code next}, not yet persisted: it is persisted and
   * computed now) after {@code updates} updates made elsewhere: a cut, so {@code onCut} runs and
   * everything held until now is released, the last checkpoint file deleted.
   */
  void restart(JavaRDD<VariableShard> next, int updatesMade, String what, Runnable onCut) {
    JavaRDD<VariableShard> old = state;
    state = next.persist(StorageLevel.MEMORY_AND_DISK());
    state.setName("meshgrad state (" + what + ")");
    state.count();
    updates += updatesMade;
    onCut.run();
    releaseHeld();
    deleteCheckpoint(lastCheckpointFile);
    lastCheckpointFile = null;
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

  private void deletePreviousCheckpoint() {
    org.apache.spark.api.java.Optional<String> file = state.getCheckpointFile();
    if (!file.isPresent()) {
      return;
    }
    deleteCheckpoint(lastCheckpointFile);
    lastCheckpointFile = file.get();
  }

  private void deleteCheckpoint(String file) {
    if (file == null) {
      return;
    }
    try {
      Path p = new Path(file);
      FileSystem fs = p.getFileSystem(jsc.hadoopConfiguration());
      fs.delete(p, true);
    } catch (IOException e) {
      LOG.warn("could not delete the state checkpoint {}: {}", file, e.getMessage());
    }
  }

  /** Unpersists the state, releases what is held and deletes the last checkpoint. */
  @Override
  public void close() {
    if (state != null) {
      state.unpersist(false);
    }
    releaseHeld();
    deleteCheckpoint(lastCheckpointFile);
    lastCheckpointFile = null;
  }
}
