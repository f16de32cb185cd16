package io.meshgrad.data;

/**
 * The SplitMix64 generator (Steele, Lea and Flood, 2014), written out here so that the sequence is
 * fixed by this code and not by a JDK class whose algorithm is not part of its specification.
 *
 * <p>The state advances by the golden gamma {@code 0x9E3779B97F4A7C15}; each output is the state
 * passed through {@link #mix64} (Stafford's "variant 13" finalizer). {@link #nextInt(int)} is
 * {@code java.util.Random.nextInt(bound)}'s rejection algorithm on the top 31 bits of {@link
 * #nextLong()}, so it is unbiased.
 */
public final class SplitMix64 {
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private long state;

  SplitMix64(long seed) {
    this.state = seed;
  }

  /** Stafford's variant 13 of the MurmurHash3 64-bit finalizer: a bijection on longs. */
  public static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  long nextLong() {
    state += GOLDEN_GAMMA;
    return mix64(state);
  }

  /** Uniform in {@code [0, bound)}, {@code bound >= 1}. */
  int nextInt(int bound) {
    int bits;
    int value;
    do {
      bits = (int) (nextLong() >>> 33);
      value = bits % bound;
    } while (bits - value + (bound - 1) < 0);
    return value;
  }
}
