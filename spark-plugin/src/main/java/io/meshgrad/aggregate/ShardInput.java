package io.meshgrad.aggregate;

import io.meshgrad.tensor.Gradient;
import java.io.Serializable;

/** What reaches one state partition in a step: nothing, a finished gradient, or summed partials. */
public sealed interface ShardInput extends Serializable {

  /** The shard's gradient for this step, or {@code null} if the shard is not updated. */
  Gradient gradient(VariableShard shard);

  /** The batch's {@code sum_i a_i loss_i} (0 when gradients were given directly). */
  double lossSum();

  /** The batch's {@code sum_i a_i} (0 when gradients were given directly). */
  double weightSum();

  /** No gradient for this shard in this step. */
  record None() implements ShardInput {
    @Override
    public Gradient gradient(VariableShard shard) {
      return null;
    }

    @Override
    public double lossSum() {
      return 0;
    }

    @Override
    public double weightSum() {
      return 0;
    }
  }

  /** A gradient computed elsewhere and cut to this shard (applyGradients with whole gradients). */
  record Given(Gradient shardGradient) implements ShardInput {
    @Override
    public Gradient gradient(VariableShard shard) {
      return shardGradient;
    }

    @Override
    public double lossSum() {
      return 0;
    }

    @Override
    public double weightSum() {
      return 0;
    }
  }

  /** Data partitions' sums for this shard, to be turned into the objective's gradient here. */
  record Summed(ShardPartial.Sum sum, double regParam) implements ShardInput {
    @Override
    public Gradient gradient(VariableShard shard) {
      return ObjectiveGradient.of(sum.gradient(), sum.weightSum(), regParam, shard.value(),
          shard.value().shape(), shard.value().dtype());
    }

    @Override
    public double lossSum() {
      return sum.lossSum();
    }

    @Override
    public double weightSum() {
      return sum.weightSum();
    }
  }
}
