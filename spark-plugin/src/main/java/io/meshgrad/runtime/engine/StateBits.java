package io.meshgrad.runtime.engine;

import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;

/**
 * The exact bits of an engine's state (variables, optimizer slots, iteration count), compared at
 * memory speed: whether two tensors hold the same bits ({@link #same}), and a fingerprint of a
 * whole state ({@link #fingerprint}). Both read every element's raw bits, NaN payloads included,
 * so a state that differs from another in any bit is never taken for it.
 *
 * <p>The fingerprint runs eight independent multiply-add chains over interleaved elements (element
 * {@code k} feeds chain {@code k mod 8}) and then combines them, so the processor overlaps the
 * chains instead of waiting on one dependent chain per element: about the speed of reading the
 * state from memory.
 */
final class StateBits {
  private static final long SEED = 1125899906842597L;

  private StateBits() {}

  /** Whether {@code a} and {@code b} have the same dtype, shape and raw bits in every element. */
  static boolean same(Tensor a, Tensor b) {
    if (!a.sameLayout(b)) {
      return false;
    }
    if (a.dtype() == DType.FLOAT64) {
      double[] x = a.doubles();
      double[] y = b.doubles();
      for (int k = 0; k < x.length; k++) {
        if (Double.doubleToRawLongBits(x[k]) != Double.doubleToRawLongBits(y[k])) {
          return false;
        }
      }
      return true;
    }
    float[] x = a.floats();
    float[] y = b.floats();
    for (int k = 0; k < x.length; k++) {
      if (Float.floatToRawIntBits(x[k]) != Float.floatToRawIntBits(y[k])) {
        return false;
      }
    }
    return true;
  }

  /**
   * A fingerprint of the raw bits of every element of {@code values} and {@code slots} (with their
   * dtypes and sizes) and of {@code iterations}: states that differ in any of them have different
   * fingerprints unless a 64-bit hash collides.
   */
  static long fingerprint(Tensor[] values, Tensor[] slots, long iterations) {
    long h = SEED;
    for (Tensor t : values) {
      h = 31 * h + of(t);
    }
    h = 31 * h + values.length;
    for (Tensor t : slots) {
      h = 31 * h + of(t);
    }
    h = 31 * h + slots.length;
    return 31 * h + iterations;
  }

  /** A fingerprint of one tensor's dtype, size and raw bits: eight interleaved chains, combined. */
  static long of(Tensor t) {
    long h0 = SEED;
    long h1 = SEED + 1;
    long h2 = SEED + 2;
    long h3 = SEED + 3;
    long h4 = SEED + 4;
    long h5 = SEED + 5;
    long h6 = SEED + 6;
    long h7 = SEED + 7;
    int n = t.size();
    int k = 0;
    if (t.dtype() == DType.FLOAT64) {
      double[] d = t.doubles();
      for (; k + 8 <= n; k += 8) {
        h0 = 31 * h0 + Double.doubleToRawLongBits(d[k]);
        h1 = 31 * h1 + Double.doubleToRawLongBits(d[k + 1]);
        h2 = 31 * h2 + Double.doubleToRawLongBits(d[k + 2]);
        h3 = 31 * h3 + Double.doubleToRawLongBits(d[k + 3]);
        h4 = 31 * h4 + Double.doubleToRawLongBits(d[k + 4]);
        h5 = 31 * h5 + Double.doubleToRawLongBits(d[k + 5]);
        h6 = 31 * h6 + Double.doubleToRawLongBits(d[k + 6]);
        h7 = 31 * h7 + Double.doubleToRawLongBits(d[k + 7]);
      }
      for (; k < n; k++) {
        h0 = 31 * h0 + Double.doubleToRawLongBits(d[k]);
      }
    } else {
      float[] f = t.floats();
      for (; k + 8 <= n; k += 8) {
        h0 = 31 * h0 + Float.floatToRawIntBits(f[k]);
        h1 = 31 * h1 + Float.floatToRawIntBits(f[k + 1]);
        h2 = 31 * h2 + Float.floatToRawIntBits(f[k + 2]);
        h3 = 31 * h3 + Float.floatToRawIntBits(f[k + 3]);
        h4 = 31 * h4 + Float.floatToRawIntBits(f[k + 4]);
        h5 = 31 * h5 + Float.floatToRawIntBits(f[k + 5]);
        h6 = 31 * h6 + Float.floatToRawIntBits(f[k + 6]);
        h7 = 31 * h7 + Float.floatToRawIntBits(f[k + 7]);
      }
      for (; k < n; k++) {
        h0 = 31 * h0 + Float.floatToRawIntBits(f[k]);
      }
    }
    long h = 31 * t.dtype().ordinal() + n;
    h = 31 * h + h0;
    h = 31 * h + h1;
    h = 31 * h + h2;
    h = 31 * h + h3;
    h = 31 * h + h4;
    h = 31 * h + h5;
    h = 31 * h + h6;
    return 31 * h + h7;
  }
}
