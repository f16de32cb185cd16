package io.meshgrad.mesh;

import io.meshgrad.support.Checks;
import java.io.Serializable;

/**
 * The cut of one axis of length {@code n} into {@code k} contiguous, balanced pieces: with {@code
 * q = n / k} and {@code r = n % k}, the first {@code r} pieces have {@code q + 1} elements and the
 * rest {@code q}, so piece {@code p} starts at {@code p*q + min(p, r)}. For example 7 over 2 gives
 * pieces of 4 and 3; 2 over 4 gives 1, 1, 0, 0 (pieces may be empty when {@code n < k}).
 *
 * <p>DTensor requires {@code n} to be divisible by {@code k}; this class does not, and agrees with
 * DTensor when it is. All lookups are closed-form. Immutable and serializable.
 */
public final class BalancedSplit implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int length;
  private final int numPieces;

  private BalancedSplit(int length, int numPieces) {
    this.length = length;
    this.numPieces = numPieces;
  }

  /**
   * The split of {@code length} elements into {@code numPieces} pieces.
   *
   * @throws IllegalArgumentException if {@code length < 0} or {@code numPieces < 1}
   */
  public static BalancedSplit of(int length, int numPieces) {
    if (length < 0) {
      throw new IllegalArgumentException("length must be >= 0, got " + length);
    }
    if (numPieces < 1) {
      throw new IllegalArgumentException("numPieces must be >= 1, got " + numPieces);
    }
    return new BalancedSplit(length, numPieces);
  }

  /** The number of elements split. */
  public int length() {
    return length;
  }

  /** The number of pieces. */
  public int numPieces() {
    return numPieces;
  }

  /**
   * The index of the first element of {@code piece}; for an empty piece, where it would start.
   *
   * @throws IllegalArgumentException if {@code piece} is not in {@code [0, numPieces())}
   */
  public int pieceStart(int piece) {
    Checks.index("piece", piece, numPieces);
    return start(piece);
  }

  /**
   * The number of elements in {@code piece}: {@code q + 1} for the first {@code r} pieces, else
   * {@code q}.
   *
   * @throws IllegalArgumentException if {@code piece} is not in {@code [0, numPieces())}
   */
  public int pieceLength(int piece) {
    Checks.index("piece", piece, numPieces);
    return length / numPieces + (piece < length % numPieces ? 1 : 0);
  }

  /**
   * One past the last element of {@code piece}, which is {@code pieceStart(piece + 1)} or {@link
   * #length()} for the last piece.
   *
   * @throws IllegalArgumentException if {@code piece} is not in {@code [0, numPieces())}
   */
  public int pieceEnd(int piece) {
    Checks.index("piece", piece, numPieces);
    return start(piece + 1);
  }

  /**
   * The piece that holds element {@code index}. Never an empty piece.
   *
   * @throws IllegalArgumentException if {@code index} is not in {@code [0, length())}
   */
  public int pieceOf(int index) {
    Checks.index("index", index, length);
    int q = length / numPieces;
    int r = length % numPieces;
    // The first r pieces have q + 1 elements and cover [0, r*(q+1)); q may be 0, but then every
    // index is below r*(q+1) = length, so the second branch never divides by zero.
    int longEnd = r * (q + 1);
    return index < longEnd ? index / (q + 1) : r + (index - longEnd) / q;
  }

  private int start(int piece) {
    int q = length / numPieces;
    int r = length % numPieces;
    return piece * q + Math.min(piece, r);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof BalancedSplit)) {
      return false;
    }
    BalancedSplit other = (BalancedSplit) o;
    return length == other.length && numPieces == other.numPieces;
  }

  @Override
  public int hashCode() {
    return 31 * length + numPieces;
  }

  /** For example {@code BalancedSplit[7 over 2]}. */
  @Override
  public String toString() {
    return "BalancedSplit[" + length + " over " + numPieces + "]";
  }
}
