package io.meshgrad.loss;

import io.meshgrad.support.Checks;
import java.io.Serializable;

/**
 * The features that a sequence of {@link InstanceBlock}s can have made non-zero in a gradient
 * indexed by feature: the columns of sparse blocks' stored values, or every feature once a dense
 * block is seen. Rows of such a gradient that are not listed are exactly zero, so only the listed
 * rows need to be shipped and summed. Mutable; one bit per feature.
 */
public final class TouchedFeatures implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int numFeatures;
  private long[] bits;
  private boolean all;

  /** Nothing touched yet, of {@code numFeatures} features. */
  public TouchedFeatures(int numFeatures) {
    Checks.require(numFeatures >= 0, "numFeatures must be >= 0, got " + numFeatures);
    this.numFeatures = numFeatures;
  }

  /** Marks the features {@code block} touches. */
  public void mark(InstanceBlock block) {
    if (all) {
      return;
    }
    if (!block.isSparse()) {
      all = block.numRows() > 0 && numFeatures > 0;
      return;
    }
    long[] b = bits();
    int[] cols = block.colIndices();
    int end = block.rowPtr()[block.numRows()];
    for (int p = 0; p < end; p++) {
      b[cols[p] >>> 6] |= 1L << cols[p];
    }
  }

  /** Marks what {@code other} has marked. */
  public void merge(TouchedFeatures other) {
    if (other.all) {
      all = true;
    } else if (other.bits != null && !all) {
      long[] b = bits();
      for (int w = 0; w < b.length; w++) {
        b[w] |= other.bits[w];
      }
    }
  }

  /** The touched features, increasing; {@code null} when every feature may be touched (a dense block). */
  public int[] rows() {
    if (all) {
      return null;
    }
    if (bits == null) {
      return new int[0];
    }
    int n = 0;
    for (long w : bits) {
      n += Long.bitCount(w);
    }
    int[] rows = new int[n];
    int k = 0;
    for (int w = 0; w < bits.length; w++) {
      for (long word = bits[w]; word != 0; word &= word - 1) {
        rows[k++] = (w << 6) + Long.numberOfTrailingZeros(word);
      }
    }
    return rows;
  }

  private long[] bits() {
    if (bits == null) {
      bits = new long[(numFeatures + 63) >>> 6];
    }
    return bits;
  }
}
