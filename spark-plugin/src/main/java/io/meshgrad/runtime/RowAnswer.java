package io.meshgrad.runtime;

import io.meshgrad.optimizer.GradientClipping;
import io.meshgrad.tensor.Tensor;
import java.io.Serializable;

/**
 * One variable shard's answer to a {@link RowRequests}: the values of the union of the requested
 * local rows ({@code null} union: the whole shard), the requests themselves (so the driver can cut
 * the answer into each partition's rows) and, when asked, the sum of squares of the shard's whole
 * value (for a regularised variable's L2 term). (A class, not a record: Spark's Kryo serializer
 * cannot rebuild records.)
 */
public final class RowAnswer implements Serializable {
  private static final long serialVersionUID = 1L;

  private final RowRequests requests;
  private final int[] union;
  private final Tensor values;
  private final double squares;

  private RowAnswer(RowRequests requests, int[] union, Tensor values, double squares) {
    this.requests = requests;
    this.union = union;
    this.values = values;
    this.squares = squares;
  }

  /** {@code requests} answered from {@code shard}; with {@code squares}, also the shard's sum of squares. */
  public static RowAnswer of(RowRequests requests, VariableShard shard, boolean squares) {
    int[] union = requests.union();
    Tensor values = union == null ? shard.value() : shard.rows(union);
    return new RowAnswer(requests, union, values, squares ? GradientClipping.sumOfSquares(shard.value()) : 0);
  }

  /** {@link #of(RowRequests, VariableShard, boolean)} from an engine owner's working copy of the shard as it is now. */
  static RowAnswer of(RowRequests requests, ShardWorkingCopy shard, boolean squares) {
    int[] union = requests.union();
    Tensor values = union == null ? shard.value() : shard.rows(union);
    return new RowAnswer(requests, union, values, squares ? shard.sumOfSquares() : 0);
  }

  public RowRequests requests() {
    return requests;
  }

  /** The increasing distinct local rows answered, or {@code null}: every row of the shard. */
  public int[] union() {
    return union;
  }

  /** The answered rows' values, row-major in {@link #union()} order. */
  public Tensor values() {
    return values;
  }

  /** The shard's sum of squares, or 0 when it was not asked for. */
  public double squares() {
    return squares;
  }

  /** Bytes of values and row numbers this answer carries. */
  public long byteSize() {
    return values.byteSize() + requests.byteSize()
        + (union == null ? 0 : 4L * union.length);
  }

  /** Writes {@code answer} (or {@code null}) in the engine's binary form ({@link EngineWire}). */
  static void writeTo(RowAnswer answer, EngineWire.Out out) {
    out.putBoolean(answer != null);
    if (answer != null) {
      RowRequests.writeTo(answer.requests, out);
      out.putInts(answer.union);
      out.putTensor(answer.values);
      out.putDouble(answer.squares);
    }
  }

  /** An answer {@link #writeTo} wrote, or {@code null}. */
  static RowAnswer readFrom(EngineWire.In in) {
    return in.getBoolean() ? new RowAnswer(RowRequests.readFrom(in), in.getInts(), in.getTensor(), in.getDouble())
        : null;
  }
}
