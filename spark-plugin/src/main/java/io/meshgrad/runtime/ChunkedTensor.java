package io.meshgrad.runtime;

import io.meshgrad.tensor.BulkArrays;
import io.meshgrad.tensor.ChunkLayout;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * An immutable tensor stored as fixed-size chunks of whole rows (axis 0), which later versions
 * of it share: {@link #withChunks} makes the next version from new arrays for the chunks a step
 * changed and the very same arrays for all the others. A cached shard state is never written to,
 * so a retried task or a partition recomputed from lineage starts from exactly the state it
 * started from the first time, while a step that touches few rows copies only their chunks
 * (plus the table of chunk references, one reference per {@value #CHUNK_ELEMENTS} elements).
 *
 * <p>Chunks hold {@code rowsPerChunk} rows, the last one fewer; {@code rowsPerChunk} depends only
 * on the shape ({@link #rowsPerChunk(int[])}), so a variable's shard and its slots' shards are
 * cut alike. (A class, not a record: Spark's Kryo serializer cannot rebuild records.)
 *
 * <p>Java serialization (a spilled state, a state brought to the driver) writes
 * the chunks' elements as raw little-endian bytes ({@link Serialized}, through {@link BulkArrays}), because {@code
 * ObjectOutputStream} writes a {@code float[]} or {@code double[]} one element at a time.
 */
final class ChunkedTensor implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Target elements per chunk: small enough that a step touching a few thousand random rows of a
   * shard of millions copies a small fraction of it, large enough that the chunk table and the
   * arrays' headers (16 bytes) stay a few percent of the data.
   */
  static final int CHUNK_ELEMENTS = ChunkLayout.CHUNK_ELEMENTS;

  private final DType dtype;
  private final int[] shape;
  private final int rowLength;
  private final int numRows;
  private final int rowsPerChunk;
  /** {@code float[]} or {@code double[]} per chunk; never written after construction. */
  private final Object[] chunks;

  private ChunkedTensor(DType dtype, int[] shape, Object[] chunks) {
    this.dtype = dtype;
    this.shape = shape;
    this.rowLength = rowLength(shape);
    this.numRows = shape.length == 0 ? 1 : shape[0];
    this.rowsPerChunk = rowsPerChunk(shape);
    this.chunks = chunks;
  }

  /** Rows per chunk for a tensor of {@code shape} ({@link ChunkLayout#rowsPerChunk}). */
  static int rowsPerChunk(int[] shape) {
    return ChunkLayout.rowsPerChunk(shape);
  }

  private static int rowLength(int[] shape) {
    return ChunkLayout.rowLength(shape);
  }

  /** {@code t}'s values cut into chunks (copied: {@code t} stays the caller's). */
  public static ChunkedTensor of(Tensor t) {
    int[] shape = t.shape();
    int rows = shape.length == 0 ? 1 : shape[0];
    int per = rowsPerChunk(shape);
    int len = rowLength(shape);
    Object source = t.dtype() == DType.FLOAT32 ? t.floats() : t.doubles();
    Object[] chunks = new Object[(rows + per - 1) / per];
    for (int c = 0; c < chunks.length; c++) {
      int first = c * per;
      int n = (Math.min(rows, first + per) - first) * len;
      chunks[c] = newArray(t.dtype(), n);
      System.arraycopy(source, first * len, chunks[c], 0, n);
    }
    return new ChunkedTensor(t.dtype(), shape, chunks);
  }

  /** Values of a range of a tensor's rows, produced where the tensor is built. */
  @FunctionalInterface
  public interface RowValues {
    /** Rows {@code [fromRow, toRow)}, row-major, in double (rounded to the tensor's dtype by the caller). */
    double[] rows(int fromRow, int toRow);
  }

  /**
   * A tensor of {@code shape} built chunk by chunk from {@code rows} (each chunk's rows asked for
   * once, rounded to {@code dtype} as {@link Tensor#fromDoubles} rounds), so that no whole copy of
   * it exists in double or in one array; {@code rows == null} for zeros (only allocated).
   */
  public static ChunkedTensor generate(DType dtype, int[] shape, RowValues rows) {
    int numRows = shape.length == 0 ? 1 : shape[0];
    int per = rowsPerChunk(shape);
    int len = rowLength(shape);
    Object[] chunks = new Object[(numRows + per - 1) / per];
    for (int c = 0; c < chunks.length; c++) {
      int first = c * per;
      int last = Math.min(numRows, first + per);
      int n = (last - first) * len;
      chunks[c] = newArray(dtype, n);
      if (rows == null) {
        continue;
      }
      double[] v = rows.rows(first, last);
      if (v.length != n) {
        throw new IllegalStateException("rows [" + first + ", " + last + ") must be " + n + " values, got " + v.length);
      }
      if (dtype == DType.FLOAT64) {
        System.arraycopy(v, 0, chunks[c], 0, n);
      } else {
        float[] f = (float[]) chunks[c];
        for (int i = 0; i < n; i++) {
          f[i] = (float) v[i];
        }
      }
    }
    return new ChunkedTensor(dtype, shape.clone(), chunks);
  }

  /**
   * A tensor cut like this one whose chunk {@code c} is {@code f} of this one's chunk {@code c}
   * (as a tensor of its rows): for an elementwise {@code f}, the same as {@code f} of the whole,
   * without a whole copy.
   */
  public ChunkedTensor mapChunks(java.util.function.UnaryOperator<Tensor> f) {
    Object[] next = new Object[chunks.length];
    for (int c = 0; c < chunks.length; c++) {
      Tensor out = f.apply(gather(new int[] {c}));
      if (out.dtype() != dtype || out.size() != rowsIn(c) * rowLength) {
        throw new IllegalArgumentException("a chunkwise map must keep the dtype " + dtype + " and the " + rowsIn(c)
            * rowLength + " elements of chunk " + c + ", got " + out.dtype() + " with " + out.size());
      }
      next[c] = dtype == DType.FLOAT32 ? out.floats() : out.doubles();
    }
    return new ChunkedTensor(dtype, shape, next);
  }

  /**
   * A tensor of {@code shape} from its chunks as {@link #chunk} gives them (taken as they are, not
   * copied): what {@link StateCuts} reads back from a cut's files.
   *
   * @throws IllegalArgumentException when a chunk is missing or of the wrong type or length
   */
  static ChunkedTensor ofChunks(DType dtype, int[] shape, Object[] chunks) {
    ChunkedTensor t = new ChunkedTensor(dtype, shape.clone(), chunks);
    int expected = (t.numRows + t.rowsPerChunk - 1) / t.rowsPerChunk;
    if (chunks.length != expected) {
      throw new IllegalArgumentException("a " + dtype + Arrays.toString(shape) + " tensor has " + expected
          + " chunks, got " + chunks.length);
    }
    for (int c = 0; c < chunks.length; c++) {
      Object chunk = chunks[c];
      int n = t.rowsIn(c) * t.rowLength;
      boolean ok = dtype == DType.FLOAT32 ? chunk instanceof float[] f && f.length == n
          : chunk instanceof double[] d && d.length == n;
      if (!ok) {
        throw new IllegalArgumentException("chunk " + c + " of a " + dtype + Arrays.toString(shape)
            + " tensor must be " + n + " elements of its dtype");
      }
    }
    return t;
  }

  /** Chunk {@code c}'s array ({@code float[]} or {@code double[]}); never to be written to. */
  Object chunk(int c) {
    return chunks[c];
  }

  /** Bytes of element data ({@code 4} or {@code 8} per element; chunk headers and the chunk table not counted). */
  public long byteSize() {
    return (long) size() * dtype.bytes();
  }

  private static Object newArray(DType dtype, int n) {
    return dtype == DType.FLOAT32 ? new float[n] : new double[n];
  }

  public DType dtype() {
    return dtype;
  }

  public int[] shape() {
    return shape.clone();
  }

  /** Number of elements. */
  public int size() {
    return numRows * rowLength;
  }

  public int numChunks() {
    return chunks.length;
  }

  /** The chunk that holds row {@code row}. */
  public int chunkOfRow(int row) {
    return row / rowsPerChunk;
  }

  /** The first row of chunk {@code c}. */
  public int firstRow(int c) {
    return c * rowsPerChunk;
  }

  /** Rows in chunk {@code c}. */
  public int rowsIn(int c) {
    return Math.min(numRows, (c + 1) * rowsPerChunk) - c * rowsPerChunk;
  }

  /** Whether chunk {@code c} of this tensor and of {@code other} is the same array (shared, not copied). */
  public boolean sharesChunk(ChunkedTensor other, int c) {
    return chunks[c] == other.chunks[c];
  }

  /** The whole tensor, in a new array. */
  public Tensor toTensor() {
    return gather(null);
  }

  /**
   * The rows of chunks {@code ids} (increasing), one after the other, in new arrays: a tensor of
   * shape {@code [rows of those chunks, shape[1:]...]}; {@code null} for all chunks and the shape
   * of this tensor.
   */
  public Tensor gather(int[] ids) {
    int[] outShape = shape.clone();
    int rows = 0;
    int n = ids == null ? chunks.length : ids.length;
    for (int k = 0; k < n; k++) {
      rows += rowsIn(ids == null ? k : ids[k]);
    }
    if (ids != null) {
      outShape[0] = rows;
    }
    Object out = newArray(dtype, rows * rowLength);
    int at = 0;
    for (int k = 0; k < n; k++) {
      Object chunk = chunks[ids == null ? k : ids[k]];
      int len = java.lang.reflect.Array.getLength(chunk);
      System.arraycopy(chunk, 0, out, at, len);
      at += len;
    }
    return dtype == DType.FLOAT32 ? Tensor.of((float[]) out, outShape) : Tensor.of((double[]) out, outShape);
  }

  /**
   * The next version of this tensor: chunks {@code ids} (increasing) replaced by the rows of
   * {@code gathered} (laid out as {@link #gather(int[])} of the same ids makes them, copied into
   * new arrays), every other chunk shared with this one.
   */
  public ChunkedTensor withChunks(int[] ids, Tensor gathered) {
    if (gathered.dtype() != dtype) {
      throw new IllegalArgumentException("gathered chunks must be " + dtype + ", got " + gathered.dtype());
    }
    Object source = dtype == DType.FLOAT32 ? gathered.floats() : gathered.doubles();
    Object[] next = chunks.clone();
    int at = 0;
    for (int c : ids) {
      int len = rowsIn(c) * rowLength;
      next[c] = newArray(dtype, len);
      System.arraycopy(source, at, next[c], 0, len);
      at += len;
    }
    if (at != gathered.size()) {
      throw new IllegalArgumentException("gathered chunks hold " + gathered.size() + " elements, the chunks "
          + Arrays.toString(ids) + " " + at);
    }
    return new ChunkedTensor(dtype, shape, next);
  }

  /**
   * The next version of this tensor: chunks {@code ids} (increasing) copied into new arrays from
   * the same rows of {@code whole} (a tensor of this one's dtype and shape), every other chunk
   * shared with this one; {@code ids == null}: every chunk from {@code whole}. What a job-local
   * working copy ({@link ShardWorkingCopy}) leaves behind.
   */
  ChunkedTensor withChunksFrom(int[] ids, Tensor whole) {
    if (whole.dtype() != dtype || !Arrays.equals(whole.shape(), shape)) {
      throw new IllegalArgumentException("a working copy of a " + dtype + Arrays.toString(shape) + " tensor must be "
          + "alike, got " + whole.dtype() + Arrays.toString(whole.shape()));
    }
    if (ids == null) {
      return of(whole);
    }
    Object source = dtype == DType.FLOAT32 ? whole.floats() : whole.doubles();
    Object[] next = chunks.clone();
    for (int c : ids) {
      int len = rowsIn(c) * rowLength;
      next[c] = newArray(dtype, len);
      System.arraycopy(source, firstRow(c) * rowLength, next[c], 0, len);
    }
    return new ChunkedTensor(dtype, shape, next);
  }

  /**
   * Increasing element positions where {@code now}, a later version of {@code before}, differs
   * from it bitwise (as {@code TensorDiff}); chunks the two share are skipped unread.
   * {@code null} as soon as more than {@code limit} positions differ.
   */
  public static int[] changedPositions(ChunkedTensor before, ChunkedTensor now, long limit) {
    if (before.dtype != now.dtype || !Arrays.equals(before.shape, now.shape)) {
      throw new IllegalArgumentException("cannot compare a " + before.dtype + Arrays.toString(before.shape)
          + " tensor with a " + now.dtype + Arrays.toString(now.shape) + " one");
    }
    io.meshgrad.tensor.TensorDiff.Positions found = new io.meshgrad.tensor.TensorDiff.Positions(limit);
    for (int c = 0; c < now.chunks.length; c++) {
      if (before.chunks[c] == now.chunks[c]) {
        continue;
      }
      if (!found.scan(before.chunks[c], 0, now.chunks[c], 0, now.rowsIn(c) * now.rowLength,
          now.firstRow(c) * now.rowLength)) {
        return null;
      }
    }
    return found.toArray();
  }

  /**
   * Rows {@code rows} (any order, repeats allowed), one after the other in a new tensor of shape
   * {@code [rows.length, shape[1:]...]}: O(rows.length * row length), whatever the tensor's size.
   *
   * @throws IllegalArgumentException naming the first row out of {@code [0, numRows)}
   */
  public Tensor rows(int[] rows) {
    int[] outShape = shape.clone();
    outShape[0] = rows.length;
    int perChunk = rowsPerChunk * rowLength;
    Object out = newArray(dtype, rows.length * rowLength);
    for (int i = 0; i < rows.length; i++) {
      if (rows[i] < 0 || rows[i] >= numRows) {
        throw new IllegalArgumentException("rows[" + i + "] must be in [0, " + numRows + "), got " + rows[i]);
      }
      if (rowLength == 0) {
        continue;
      }
      int at = rows[i] * rowLength;
      System.arraycopy(chunks[at / perChunk], at % perChunk, out, i * rowLength, rowLength);
    }
    return dtype == DType.FLOAT32 ? Tensor.of((float[]) out, outShape) : Tensor.of((double[]) out, outShape);
  }

  /** The elements at {@code positions} (row-major), as a rank-1 tensor of this dtype. */
  public Tensor valuesAt(int[] positions) {
    int perChunk = rowsPerChunk * rowLength;
    if (dtype == DType.FLOAT32) {
      float[] v = new float[positions.length];
      for (int k = 0; k < v.length; k++) {
        v[k] = ((float[]) chunks[positions[k] / perChunk])[positions[k] % perChunk];
      }
      return Tensor.of(v, v.length);
    }
    double[] v = new double[positions.length];
    for (int k = 0; k < v.length; k++) {
      v[k] = ((double[]) chunks[positions[k] / perChunk])[positions[k] % perChunk];
    }
    return Tensor.of(v, v.length);
  }

  /**
   * Whether every element is finite in the chunks not shared with {@code previous} (all of them
   * when it is null): after a step, the chunks the step wrote.
   */
  public boolean finiteOutside(ChunkedTensor previous) {
    for (int c = 0; c < chunks.length; c++) {
      if (previous == null || previous.chunks.length != chunks.length || previous.chunks[c] != chunks[c]) {
        if (chunks[c] instanceof float[] f) {
          for (float x : f) {
            if (!Float.isFinite(x)) {
              return false;
            }
          }
        } else {
          for (double x : (double[]) chunks[c]) {
            if (!Double.isFinite(x)) {
              return false;
            }
          }
        }
      }
    }
    return true;
  }

  /** Bytes of element data held in chunks not shared with {@code previous} (all of them when it is null). */
  public long bytesNotSharedWith(ChunkedTensor previous) {
    long elements = 0;
    for (int c = 0; c < chunks.length; c++) {
      if (previous == null || previous.chunks.length != chunks.length || previous.chunks[c] != chunks[c]) {
        elements += (long) rowsIn(c) * rowLength;
      }
    }
    return elements * dtype.bytes();
  }

  // ------------------------------------------------------------------ Java serialization

  private Object writeReplace() {
    return new Serialized(this);
  }

  private void readObject(ObjectInputStream in) throws InvalidObjectException {
    throw new InvalidObjectException("a ChunkedTensor is read through its serialized form");
  }

  /**
   * The serialized form of a {@link ChunkedTensor}: dtype, shape, then each chunk's elements as
   * {@link BulkArrays} writes them (little-endian bytes, every bit kept), through one buffer reused
   * for all chunks (never a copy of the whole tensor). Reading gives the same chunks, bit for bit.
   */
  private static final class Serialized implements Serializable {
    private static final long serialVersionUID = 1L;

    private transient ChunkedTensor tensor;

    Serialized(ChunkedTensor tensor) {
      this.tensor = tensor;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
      ChunkedTensor t = tensor;
      out.writeObject(t.dtype);
      out.writeObject(t.shape);
      ByteBuffer buffer = BulkArrays.buffer(t.rowsPerChunk * (long) t.rowLength * t.dtype.bytes());
      for (Object chunk : t.chunks) {
        if (chunk instanceof float[] f) {
          BulkArrays.writeFloats(out, f, buffer);
        } else {
          BulkArrays.writeDoubles(out, (double[]) chunk, buffer);
        }
      }
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      DType dtype = (DType) in.readObject();
      int[] shape = (int[]) in.readObject();
      int rows = shape.length == 0 ? 1 : shape[0];
      int per = rowsPerChunk(shape);
      int len = rowLength(shape);
      ByteBuffer buffer = BulkArrays.buffer(per * (long) len * dtype.bytes());
      Object[] chunks = new Object[(rows + per - 1) / per];
      for (int c = 0; c < chunks.length; c++) {
        int n = (Math.min(rows, (c + 1) * per) - c * per) * len;
        chunks[c] = dtype == DType.FLOAT32 ? BulkArrays.readFloats(in, n, buffer) : BulkArrays.readDoubles(in, n, buffer);
      }
      tensor = new ChunkedTensor(dtype, shape, chunks);
    }

    private Object readResolve() {
      return tensor;
    }
  }
}
