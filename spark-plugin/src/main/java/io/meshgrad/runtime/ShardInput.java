package io.meshgrad.runtime;

import io.meshgrad.tensor.Gradient;
import java.io.Serializable;

/**
 * What reaches one state partition in a step: nothing, a finished gradient, or summed partials.
 * (Classes, not records: Spark's Kryo serializer cannot rebuild records.)
 */
abstract sealed class ShardInput implements Serializable permits ShardInput.None, ShardInput.Given, ShardInput.Summed {
  private static final long serialVersionUID = 1L;

  /** The shard's gradient for this step, or {@code null} if the shard is not updated. */
  public abstract Gradient gradient(VariableShard shard);

  /** The batch's {@code sum_i a_i loss_i} (0 when gradients were given directly). */
  public double lossSum() {
    return 0;
  }

  /** The batch's {@code sum_i a_i} (0 when gradients were given directly). */
  public double weightSum() {
    return 0;
  }

  /** Rows in the batch (0 when gradients were given directly). */
  public long count() {
    return 0;
  }

  /** Bytes of partial sums that reached this shard. */
  public long bytesReceived() {
    return 0;
  }

  /** The rows of the shard data partitions ask for in the next step, or {@code null}. */
  public RowRequests nextRows() {
    return null;
  }

  /** No gradient for this shard in this step. */
  public static final class None extends ShardInput {
    private static final long serialVersionUID = 1L;

    @Override
    public Gradient gradient(VariableShard shard) {
      return null;
    }
  }

  /** A gradient computed elsewhere and cut to this shard (applyGradients with whole gradients). */
  public static final class Given extends ShardInput {
    private static final long serialVersionUID = 1L;
    private final Gradient shardGradient;

    public Given(Gradient shardGradient) {
      this.shardGradient = shardGradient;
    }

    @Override
    public Gradient gradient(VariableShard shard) {
      return shardGradient;
    }
  }

  /** Data partitions' sums for this shard, turned into the objective's gradient where the shard lives. */
  public static final class Summed extends ShardInput {
    private static final long serialVersionUID = 1L;
    private final ShardPartial.Sum sum;
    private final Penalty penalty;

    public Summed(ShardPartial.Sum sum, Penalty penalty) {
      this.sum = sum;
      this.penalty = penalty;
    }

    @Override
    public Gradient gradient(VariableShard shard) {
      ChunkedTensor value = shard.chunkedValue();
      return ObjectiveGradient.of(sum.gradient(), sum.weightSum(), penalty, penalty.isZero() ? null : shard.value(),
          value.shape(), value.dtype());
    }

    /** {@link #gradient(VariableShard)} at an engine owner's working copy of the shard as it is now. */
    Gradient gradient(ShardWorkingCopy shard) {
      return ObjectiveGradient.of(sum.gradient(), sum.weightSum(), penalty, penalty.isZero() ? null : shard.value(),
          shard.shape(), shard.dtype());
    }

    @Override
    public double lossSum() {
      return sum.lossSum();
    }

    @Override
    public double weightSum() {
      return sum.weightSum();
    }

    @Override
    public long count() {
      return sum.count();
    }

    @Override
    public long bytesReceived() {
      return sum.bytesReceived();
    }

    @Override
    public RowRequests nextRows() {
      return sum.next();
    }
  }
}
