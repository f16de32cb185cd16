package io.meshgrad.loss;

import java.lang.ref.SoftReference;

/**
 * One reusable all-zero coefficient-gradient array per task thread, so that a step over a large
 * model does not allocate (and the JVM zero) a fresh {@code double[d]} in every task. A buffer is
 * taken out while in use and given back only once all zero again ({@link GradientSum#takeRows}
 * with its touched rows), so a task that fails half-way never leaves a dirty buffer behind. Held
 * softly: the GC may reclaim an idle buffer under memory pressure.
 */
public final class GradientBuffers {
  private static final ThreadLocal<SoftReference<double[]>> BUFFER = new ThreadLocal<>();

  private GradientBuffers() {}

  /** An all-zero array of {@code length}: this thread's buffer if it has one of that length, else a new one. */
  public static double[] take(int length) {
    SoftReference<double[]> ref = BUFFER.get();
    double[] buffer = ref == null ? null : ref.get();
    BUFFER.remove();
    return buffer != null && buffer.length == length ? buffer : new double[length];
  }

  /** Gives back a buffer that is all zeros again, for this thread's next {@link #take}. */
  public static void giveBack(double[] zeroedBuffer) {
    BUFFER.set(new SoftReference<>(zeroedBuffer));
  }
}
