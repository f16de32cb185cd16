package io.meshgrad.tensor;

/**
 * How a tensor is cut into chunks, the unit the sharded state copies on write and the unit lineage
 * cuts and optimizer checkpoints write when it changed: chunks of whole rows (the first dimension),
 * {@link #rowsPerChunk(int[])} rows each, about {@value #CHUNK_ELEMENTS} elements, the last chunk
 * fewer. It depends only on the shape, so a variable's shard and its slots' shards are cut alike.
 */
public final class ChunkLayout {
  /** About this many elements per chunk (at least one row). */
  public static final int CHUNK_ELEMENTS = 128;

  private ChunkLayout() {}

  /** Elements per row of {@code shape}: the product of all dimensions but the first (1 for rank 0 and 1). */
  public static int rowLength(int[] shape) {
    int n = 1;
    for (int i = 1; i < shape.length; i++) {
      n *= shape[i];
    }
    return n;
  }

  /** Rows per chunk for a tensor of {@code shape}: about {@value #CHUNK_ELEMENTS} elements, at least one row. */
  public static int rowsPerChunk(int[] shape) {
    return Math.max(1, CHUNK_ELEMENTS / Math.max(1, rowLength(shape)));
  }

  /** The rows of {@code shape} (1 for a scalar). */
  public static int rows(int[] shape) {
    return shape.length == 0 ? 1 : shape[0];
  }

  /** How many chunks a tensor of {@code shape} has. */
  public static int numChunks(int[] shape) {
    int per = rowsPerChunk(shape);
    return (rows(shape) + per - 1) / per;
  }

  /** Elements in chunk {@code c} of a tensor of {@code shape}. */
  public static int chunkElements(int[] shape, int c) {
    int per = rowsPerChunk(shape);
    return (Math.min(rows(shape), (c + 1) * per) - c * per) * rowLength(shape);
  }

  /** The index of chunk {@code c}'s first element in the tensor's row-major elements. */
  public static int firstElement(int[] shape, int c) {
    return c * rowsPerChunk(shape) * rowLength(shape);
  }
}
