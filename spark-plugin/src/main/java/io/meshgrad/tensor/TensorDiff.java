package io.meshgrad.tensor;

import java.util.Arrays;

/** Where two tensors of the same dtype and shape differ, found with vectorised {@code Arrays.mismatch}. */
public final class TensorDiff {
  private TensorDiff() {}

  /**
   * Increasing positions where {@code now} differs from {@code before} bitwise ({@code 0.0} and
   * {@code -0.0} differ; NaNs of different payloads do not); {@code null} as soon as more than
   * {@code limit} positions differ.
   */
  public static int[] changedPositions(Tensor before, Tensor now, long limit) {
    before.requireSameLayout(now, "now");
    Positions found = new Positions(limit);
    boolean f32 = now.dtype() == DType.FLOAT32;
    return found.scan(f32 ? before.floats() : before.doubles(), 0, f32 ? now.floats() : now.doubles(), 0,
        now.size(), 0) ? found.toArray() : null;
  }

  /**
   * Increasing positions where ranges of two float or double arrays differ bitwise (as {@link
   * #changedPositions}), gathered over several {@link #scan}s, at most {@code limit} of them.
   */
  public static final class Positions {
    private final long limit;
    private int[] found = new int[16];
    private int n;

    public Positions(long limit) {
      this.limit = limit;
    }

    /**
     * Adds {@code base + i} for each {@code i} in {@code [0, length)} where {@code before[beforeFrom + i]}
     * and {@code now[nowFrom + i]} differ ({@code float[]} or {@code double[]}, both the same);
     * {@code false} as soon as more than {@code limit} positions were found.
     */
    public boolean scan(Object before, int beforeFrom, Object now, int nowFrom, int length, int base) {
      int from = 0;
      while (from < length) {
        int m = now instanceof float[] f
            ? Arrays.mismatch((float[]) before, beforeFrom + from, beforeFrom + length, f, nowFrom + from,
                nowFrom + length)
            : Arrays.mismatch((double[]) before, beforeFrom + from, beforeFrom + length, (double[]) now,
                nowFrom + from, nowFrom + length);
        if (m < 0) {
          return true;
        }
        if (n >= limit) {
          return false;
        }
        if (n == found.length) {
          found = Arrays.copyOf(found, 2 * n);
        }
        found[n++] = base + from + m;
        from += m + 1;
      }
      return true;
    }

    /** The positions found, in the order found. */
    public int[] toArray() {
      return Arrays.copyOf(found, n);
    }
  }
}
