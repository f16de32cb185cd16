package io.meshgrad.runtime;

import io.meshgrad.mesh.ShardedShape;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.io.Serializable;

/**
 * What a step's update of one variable shard sends back to the driver: the elements that changed
 * (shard-local positions and new values) when few did, else the shard's whole new value (nothing
 * for a variable the driver holds no copy of), the step's stats on the shard, and the rows the
 * data partitions asked of it for the next step ({@link RowAnswer}). (A class, not a record: Spark's Kryo serializer cannot rebuild
 * records.)
 */
public final class ShardUpdate implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int variable;
  private final int shard;
  private final int[] positions;
  private final Tensor values;
  private final ShardStepStats stats;
  private final long bytesWritten;
  private final RowAnswer answer;

  /**
   * @param positions shard-local positions of {@code values}, or {@code null} when {@code values}
   *     is the whole shard
   * @param bytesWritten bytes of new arrays the step wrote for the shard and its slots (chunks it
   *     did not share with the state before)
   * @param answer the shard's answer to the next step's row requests, or {@code null}
   */
  ShardUpdate(int variable, int shard, int[] positions, Tensor values, ShardStepStats stats, long bytesWritten,
      RowAnswer answer) {
    this.variable = variable;
    this.shard = shard;
    this.positions = positions;
    this.values = values;
    this.stats = stats;
    this.bytesWritten = bytesWritten;
    this.answer = answer;
  }

  /** The shard's answer to the rows the data partitions asked of it for the next step, or {@code null}. */
  public RowAnswer answer() {
    return answer;
  }

  public int variable() {
    return variable;
  }

  public int shard() {
    return shard;
  }

  /** What the step did on this shard, or {@code null} if the shard was not updated. */
  public ShardStepStats stats() {
    return stats;
  }

  /** Bytes of new arrays the step wrote for the shard and its slots: what it did not share with the state before. */
  public long bytesWritten() {
    return bytesWritten;
  }

  /** Bytes of values (and positions, and the answered rows) this update carries. */
  public long byteSize() {
    long valueBytes = values.byteSize();
    return valueBytes + (positions == null ? 0 : 4L * positions.length) + (answer == null ? 0 : answer.byteSize());
  }

  /** Writes the shard's new values into {@code whole}, the whole variable of shape {@code shape}. */
  public void applyTo(Tensor whole, ShardedShape shape) {
    if (positions == null) {
      if (whole.dtype() == DType.FLOAT32) {
        shape.assembleShard(values.floats(), shard, whole.floats());
      } else {
        shape.assembleShard(values.doubles(), shard, whole.doubles());
      }
      return;
    }
    int[] global = shape.globalIndices(shard, positions);
    if (whole.dtype() == DType.FLOAT32) {
      float[] w = whole.floats();
      float[] v = values.floats();
      for (int k = 0; k < global.length; k++) {
        w[global[k]] = v[k];
      }
    } else {
      double[] w = whole.doubles();
      double[] v = values.doubles();
      for (int k = 0; k < global.length; k++) {
        w[global[k]] = v[k];
      }
    }
  }

  /**
   * The global positions in the whole variable (of shape {@code shape}) that {@link #applyTo}
   * writes: the changed elements, every element of the shard, or none (an update without values).
   */
  public int[] writtenPositions(ShardedShape shape) {
    if (positions != null) {
      return shape.globalIndices(shard, positions);
    }
    int[] all = new int[values.size()];
    for (int k = 0; k < all.length; k++) {
      all[k] = k;
    }
    return shape.globalIndices(shard, all);
  }

  /** Writes this update in the engine's binary form ({@link EngineWire}). */
  void writeTo(EngineWire.Out out) {
    out.putInt(variable);
    out.putInt(shard);
    out.putInts(positions);
    out.putTensor(values);
    ShardStepStats.writeTo(stats, out);
    out.putLong(bytesWritten);
    RowAnswer.writeTo(answer, out);
  }

  /** An update {@link #writeTo} wrote. */
  static ShardUpdate readFrom(EngineWire.In in) {
    return new ShardUpdate(in.getInt(), in.getInt(), in.getInts(), in.getTensor(), ShardStepStats.readFrom(in),
        in.getLong(), RowAnswer.readFrom(in));
  }
}
