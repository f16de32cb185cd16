package io.meshgrad.loss;

import java.lang.ref.SoftReference;
import java.util.HashMap;
import java.util.Map;

/**
 * Reusable all-zero gradient arrays per task thread, one per length, so that a step over a large
 * model does not allocate (and the JVM zero) a fresh {@code double[d]} per variable in every task.
 * A buffer is taken out while in use and given back only once all zero again ({@link
 * #takeRows} with its touched rows), so a task that fails half-way never leaves a dirty
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

  /**
   * Copies rows {@code rows} ({@code rowLength} values each, row-major) out of {@code buffer} and
   * sets them to zero there: with every row that was written, the buffer is all zeros again.
   */
  public static double[] takeRows(double[] buffer, int[] rows, int rowLength) {
    double[] out = new double[rows.length * rowLength];
    for (int i = 0; i < rows.length; i++) {
      int base = rows[i] * rowLength;
      System.arraycopy(buffer, base, out, i * rowLength, rowLength);
      java.util.Arrays.fill(buffer, base, base + rowLength, 0.0);
    }
    return out;
  }

  /** Gives back a buffer that is all zeros again, for this thread's next {@link #take} of its length. */
  public static void giveBack(double[] zeroedBuffer) {
    BUFFERS.get().put(zeroedBuffer.length, new SoftReference<>(zeroedBuffer));
  }
}
