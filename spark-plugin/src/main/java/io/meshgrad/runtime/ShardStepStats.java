package io.meshgrad.runtime;

import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.Tensor;
import java.io.Serializable;

/**
 * One shard's account of a step: the batch's loss sum, weight sum and row count (the same in
 * every shard), and this shard's own share: the sum of squares and largest absolute element of
 * its gradient before clipping, and the bytes of partials it received. Plain class for Kryo.
 */
final class ShardStepStats implements Serializable {
  private static final long serialVersionUID = 1L;

  final double lossSum;
  final double weightSum;
  final long count;
  final long bytesReceived;
  final double gradientSumOfSquares;
  final double gradientMaxAbs;

  ShardStepStats(double lossSum, double weightSum, long count, long bytesReceived, double gradientSumOfSquares,
      double gradientMaxAbs) {
    this.lossSum = lossSum;
    this.weightSum = weightSum;
    this.count = count;
    this.bytesReceived = bytesReceived;
    this.gradientSumOfSquares = gradientSumOfSquares;
    this.gradientMaxAbs = gradientMaxAbs;
  }

  /** The stats of a shard whose input was {@code input} and whose unclipped gradient is {@code g}. */
  static ShardStepStats of(ShardInput input, Gradient g) {
    double max = 0;
    if (g != null) {
      Tensor v = g.values();
      if (v.dtype() == DType.FLOAT32) {
        for (float x : v.floats()) {
          max = Math.max(max, Math.abs(x));
        }
      } else {
        for (double x : v.doubles()) {
          max = Math.max(max, Math.abs(x));
        }
      }
    }
    return new ShardStepStats(input.lossSum(), input.weightSum(), input.count(), input.bytesReceived(),
        g == null ? 0 : io.meshgrad.optimizer.GradientClipping.sumOfSquares(g), max);
  }

  /** Combines shards' stats: batch totals from either, shard shares added (max for the largest element). */
  ShardStepStats plus(ShardStepStats o) {
    ShardStepStats batch = weightSum != 0 ? this : o;
    return new ShardStepStats(batch.lossSum, batch.weightSum, batch.count, bytesReceived + o.bytesReceived,
        gradientSumOfSquares + o.gradientSumOfSquares, Math.max(gradientMaxAbs, o.gradientMaxAbs));
  }

  /** Writes these stats in the engine's binary form ({@link EngineWire}); {@code stats} may be {@code null}. */
  static void writeTo(ShardStepStats stats, EngineWire.Out out) {
    out.putBoolean(stats != null);
    if (stats != null) {
      out.putDouble(stats.lossSum);
      out.putDouble(stats.weightSum);
      out.putLong(stats.count);
      out.putLong(stats.bytesReceived);
      out.putDouble(stats.gradientSumOfSquares);
      out.putDouble(stats.gradientMaxAbs);
    }
  }

  /** Stats {@link #writeTo} wrote, or {@code null}. */
  static ShardStepStats readFrom(EngineWire.In in) {
    return in.getBoolean() ? new ShardStepStats(in.getDouble(), in.getDouble(), in.getLong(), in.getLong(),
        in.getDouble(), in.getDouble()) : null;
  }
}
