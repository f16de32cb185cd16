package io.meshgrad.runtime;

import io.meshgrad.mesh.ShardedShape;
import io.meshgrad.model.Initializer;
import io.meshgrad.tensor.DType;

/**
 * A shard's first value generated where it lives: its rows of the whole variable from the
 * variable's {@link Initializer} ({@link Initializer#rows}), cut to the shard's pieces on the
 * other axes, chunk by chunk, so the task holds the shard once and never the whole variable.
 */
final class InitialShard {
  private InitialShard() {}

  /** Shard {@code shardId} of {@code Tensor.fromDoubles(dtype, initializer.values(shape, seed))}, chunked. */
  static ChunkedTensor generate(ShardedShape shape, int shardId, DType dtype, Initializer initializer, long seed) {
    int[] whole = shape.shape();
    int[] local = shape.shardShape(shardId);
    if (initializer.allZeros()) {
      return ChunkedTensor.generate(dtype, local, null);
    }
    int firstRow = shape.shardOffset(shardId)[0];
    int rowLength = shape.rowLength();
    int partLength = shape.shardRowLength(shardId);
    return ChunkedTensor.generate(dtype, local, (from, to) -> {
      double[] rows = initializer.rows(whole, seed, firstRow + from, firstRow + to);
      if (partLength == rowLength) {
        return rows;
      }
      double[] part = new double[(to - from) * partLength];
      double[] row = new double[rowLength];
      for (int r = 0; r < to - from; r++) {
        System.arraycopy(rows, r * rowLength, row, 0, rowLength);
        System.arraycopy(shape.sliceRow(row, shardId), 0, part, r * partLength, partLength);
      }
      return part;
    });
  }
}
