package io.meshgrad.loss;

import java.lang.ref.SoftReference;
import java.util.HashMap;
import java.util.Map;

/**
 * Reusable all-zero gradient arrays per task thread, one per length, so that a step over a large
 * model does not allocate (and the JVM zero) a fresh {@code double[d]} per variable in every task.
 * A buffer is taken out while in use and given back only once all zero again ({@link
 * GradientSum#takeRows} with its touched rows), so a task that fails half-way never leaves a dirty
 * buffer behind. Held softly: the GC may reclaim an idle buffer under memory pressure.
 */
public final class GradientBuffers {
  private static final ThreadLocal<Map<Integer, SoftReference<double[]>>> BUFFERS =
      ThreadLocal.withInitial(HashMap::new);

  private GradientBuffers() {}

  /** An all-zero array of {@code length}: this thread's buffer of that length if it has one, else a new one. */
  public static double[] take(int length) {
    SoftReference<double[]> ref = BUFFERS.get().remove(length);
    double[] buffer = ref == null ? null : ref.get();
    return buffer != null ? buffer : new double[length];
  }

  /** Gives back a buffer that is all zeros again, for this thread's next {@link #take} of its length. */
  public static void giveBack(double[] zeroedBuffer) {
    BUFFERS.get().put(zeroedBuffer.length, new SoftReference<>(zeroedBuffer));
  }
}
