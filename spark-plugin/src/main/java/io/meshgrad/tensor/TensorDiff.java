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
    boolean f32 = now.dtype() == DType.FLOAT32;
    int[] found = new int[16];
    int n = 0;
    int length = now.size();
    int from = 0;
    while (from < length) {
      int m = f32
          ? Arrays.mismatch(before.floats(), from, length, now.floats(), from, length)
          : Arrays.mismatch(before.doubles(), from, length, now.doubles(), from, length);
      if (m < 0) {
        break;
      }
      if (n >= limit) {
        return null;
      }
      if (n == found.length) {
        found = Arrays.copyOf(found, 2 * n);
      }
      found[n++] = from + m;
      from += m + 1;
    }
    return Arrays.copyOf(found, n);
  }
}
