package io.meshgrad.runtime.engine;

import org.apache.spark.TaskContext;

/** What every bounded wait of the transport shares: its polling slice and the check for a killed task. */
final class TaskWaits {
  /** The longest a wait sleeps before it checks again whether its task was killed. */
  static final long POLL_MS = 50;

  private TaskWaits() {}

  /** Whether this thread was interrupted or its Spark task killed. */
  static boolean killed() {
    TaskContext tc = TaskContext.get();
    return Thread.currentThread().isInterrupted() || (tc != null && tc.isInterrupted());
  }

  /**
   * Throws when this thread was interrupted or its task killed.
   *
   * @param what what the task was waiting for (named in the message)
   */
  static void checkInterrupted(String what) {
    if (killed()) {
      throw new IllegalStateException("meshgrad engine: the task was killed while waiting for " + what);
    }
  }
}
