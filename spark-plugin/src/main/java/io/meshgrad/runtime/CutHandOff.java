package io.meshgrad.runtime;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Hands the shard a cut's task just wrote to the new state's partition computed later in the same
 * task attempt, so that the new state's cached partition is the shard itself instead of a read of
 * the files just written. An entry is keyed by the task attempt and the cut's manifest and lives
 * at most until its task attempt completes (a completion listener removes it), so nothing outlives
 * the task and no other task, attempt or cut can take it. Taking is an optimization only: a
 * partition that finds nothing (computed in another task, after a loss, or before its writing
 * side) reads its files.
 *
 * <p>Why a hand-over at all: the new state must be an RDD without parents (that is the cut), so
 * its partition cannot reach the shard through lineage, and putting a block into an executor's
 * cache directly needs Spark's {@code private[spark]} BlockManager. So the cut's job zips the
 * writing side (first) with the new state (second) and this task-scoped map carries the shard
 * between them; the order is the one {@code ZippedPartitionsRDD2.compute} evaluates its sides in.
 */
final class CutHandOff {
  private static final Map<String, VariableShard> HANDED = new ConcurrentHashMap<>();

  private CutHandOff() {}

  /** Offers {@code shard}, cut under {@code manifest}, to the rest of the running task attempt (none: nothing). */
  static void hand(Path manifest, VariableShard shard) {
    TaskContext task = TaskContext.get();
    if (task == null) {
      return;
    }
    String key = key(task, manifest);
    HANDED.put(key, shard);
    task.addTaskCompletionListener((TaskCompletionListener) done -> HANDED.remove(key));
  }

  /** The shard this task attempt handed under {@code manifest}, removed, or {@code null}. */
  static VariableShard take(Path manifest) {
    TaskContext task = TaskContext.get();
    return task == null ? null : HANDED.remove(key(task, manifest));
  }

  private static String key(TaskContext task, Path manifest) {
    return task.taskAttemptId() + " " + manifest;
  }
}
