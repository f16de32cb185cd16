package io.meshgrad.runtime.engine;

/**
 * What a task of a fit left on its endpoint for a task of the fit's next job on the same executor
 * (a state it need not fetch again), under a tag; taken at most once.
 */
final class ResidentState {
  private Object value;
  private long tag = -1;

  /** Keeps {@code v} under {@code t}, replacing what was kept. */
  synchronized void keep(long t, Object v) {
    value = v;
    tag = t;
  }

  /** What was kept under {@code t}, or {@code null} (nothing, or under another tag); nothing is kept after this. */
  synchronized Object take(long t) {
    Object r = tag == t && t >= 0 ? value : null;
    clear();
    return r;
  }

  /** Drops what was kept. */
  synchronized void clear() {
    value = null;
    tag = -1;
  }
}
