package io.meshgrad.runtime;

import java.io.Serializable;
import java.nio.ByteBuffer;

/**
 * What one data partition contributes to a step: {@code sum_i a_i loss_i}, {@code sum_i a_i} and,
 * per variable, {@code sum_i a_i d loss_i / d w} over its share of the batch as {@link RowSums}
 * (dense, or only the rows the partition's rows touched). Unnormalised and unregularised: see
 * {@link ObjectiveGradient}. (A class, not a record: Spark's Kryo serializer cannot rebuild
 * records.)
 */
public final class PartialSums implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int source;
  private final double lossSum;
  private final double weightSum;
  private final long count;
  private final RowSums[] gradients;
  private final long bytesShipped;

  /** @param count number of rows summed */
  public PartialSums(int source, double lossSum, double weightSum, long count, RowSums[] gradients) {
    this(source, lossSum, weightSum, count, gradients, -1);
  }

  private PartialSums(int source, double lossSum, double weightSum, long count, RowSums[] gradients,
      long bytesShipped) {
    this.source = source;
    this.lossSum = lossSum;
    this.weightSum = weightSum;
    this.count = count;
    this.gradients = gradients;
    this.bytesShipped = bytesShipped >= 0 ? bytesShipped : byteSize();
  }

  /** The data partition these sums come from. */
  public int source() {
    return source;
  }

  public double lossSum() {
    return lossSum;
  }

  public double weightSum() {
    return weightSum;
  }

  /** Number of rows summed. */
  public long count() {
    return count;
  }

  /** Bytes of gradient data (what this partial costs to ship). */
  public long byteSize() {
    long n = 0;
    for (RowSums g : gradients) {
      n += g.byteSize();
    }
    return n;
  }

  /** Bytes of gradient data of the partitions' partials that were added up into this one. */
  public long bytesShipped() {
    return bytesShipped;
  }

  /** Number of variables. */
  public int numVariables() {
    return gradients.length;
  }

  /** The gradient sums of the variable at {@code position}. */
  public RowSums gradient(int position) {
    return gradients[position];
  }

  /**
   * These sums in a compact binary form, every bit of every value kept ({@link #fromBytes} reads
   * it): what the engine's tasks send each other every step, a few header bytes and the arrays,
   * instead of Java serialization's class descriptors and reflection.
   */
  public byte[] toBytes() {
    int size = 4 + 8 + 8 + 8 + 8 + 4;
    for (RowSums g : gradients) {
      size += g.encodedSize();
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    out.putInt(source).putDouble(lossSum).putDouble(weightSum).putLong(count).putLong(bytesShipped)
        .putInt(gradients.length);
    for (RowSums g : gradients) {
      g.writeTo(out);
    }
    return out.array();
  }

  /** The sums {@link #toBytes} wrote. */
  public static PartialSums fromBytes(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    int source = in.getInt();
    double lossSum = in.getDouble();
    double weightSum = in.getDouble();
    long count = in.getLong();
    long bytesShipped = in.getLong();
    RowSums[] gradients = new RowSums[in.getInt()];
    for (int v = 0; v < gradients.length; v++) {
      gradients[v] = RowSums.readFrom(in);
    }
    if (in.hasRemaining()) {
      throw new IllegalArgumentException("partial sums: " + in.remaining() + " bytes left after the last variable");
    }
    return new PartialSums(source, lossSum, weightSum, count, gradients, bytesShipped);
  }

  /** Adds {@code other} to this one (may reuse this one's arrays) and returns the sum; the caller fixes the order. */
  public PartialSums plus(PartialSums other) {
    RowSums[] g = new RowSums[gradients.length];
    for (int v = 0; v < g.length; v++) {
      g[v] = gradients[v].plus(other.gradients[v]);
    }
    return new PartialSums(source, lossSum + other.lossSum, weightSum + other.weightSum, count + other.count, g,
        bytesShipped + other.bytesShipped);
  }
}
