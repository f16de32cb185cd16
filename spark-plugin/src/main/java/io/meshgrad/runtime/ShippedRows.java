package io.meshgrad.runtime;

import io.meshgrad.support.ObjectBytes;
import java.io.Serializable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * One step's {@link PulledRows} as the data partitions' tasks receive them: inline in the step's
 * closure while small (a broadcast costs a buffer and block-manager round trips even for a few
 * kilobytes), else as a broadcast. Call {@link #destroy()} once no task can need them any more.
 */
final class ShippedRows implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Largest payload carried inline, as {@link WeightShipper}'s inline deltas. */
  static final long INLINE_BYTES = WeightShipper.INLINE_BYTES;

  private final PulledRows inline;
  /** The rows' bytes ({@link ObjectBytes}), broadcast, or null. */
  private final Broadcast<byte[]> broadcast;

  private ShippedRows(PulledRows inline, Broadcast<byte[]> broadcast) {
    this.inline = inline;
    this.broadcast = broadcast;
  }

  /** {@code rows}, inline when at most {@link #INLINE_BYTES}, else broadcast on {@code jsc}. */
  public static ShippedRows ship(JavaSparkContext jsc, PulledRows rows) {
    return rows.byteSize() <= INLINE_BYTES ? new ShippedRows(rows, null) : new ShippedRows(null, jsc.broadcast(ObjectBytes.write(rows)));
  }

  /** The rows (on an executor, the broadcast's local copy). */
  public PulledRows value() {
    return inline != null ? inline : ObjectBytes.readShared(broadcast.value(), PulledRows.class, "a step's pulled rows");
  }

  /** Whether the rows travel as a broadcast. */
  public boolean isBroadcast() {
    return broadcast != null;
  }

  /** Destroys the broadcast, if any; a second call does nothing. */
  public void destroy() {
    if (broadcast != null && broadcast.isValid()) {
      broadcast.destroy();
    }
  }
}
