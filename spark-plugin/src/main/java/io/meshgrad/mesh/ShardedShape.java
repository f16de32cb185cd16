package io.meshgrad.mesh;

import io.meshgrad.support.Checks;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor shape cut into shards by a {@link Layout}: shard ids, shard shapes and offsets, slicing
 * of a whole row-major array into shards and assembling it back, and the routing of sparse
 * gradient rows (rows along axis 0, like {@code tf.IndexedSlices}) to shards.
 *
 * <p>Each axis sharded on a mesh dimension of size {@code k} is cut into {@code k} pieces by a
 * {@link BalancedSplit} (lengths need not divide evenly; pieces may be empty); an unsharded axis is
 * one piece. A shard is one choice of piece on every axis, so there are {@link #numShards()} =
 * product of the sizes of the mesh dimensions named in the layout; mesh dimensions the layout does
 * not name hold copies of the same shard.
 *
 * <p><b>Shard ids</b> are numbered row-major over the axes' piece indices in axis order (axis 0
 * varies slowest, unsharded axes contribute nothing): {@code id = sum over axes of piece[a] *
 * (product of numPieces(b) for b > a)}. On mesh {@code batch=2,model=2}, layout {@code ["model",
 * "batch"]} and shape {@code [9, 4]}:
 *
 * <pre>
 *                     axis 1 piece 0         axis 1 piece 1
 *                     cols 0-1 (batch=0)     cols 2-3 (batch=1)
 *   axis 0 piece 0    shard 0: shape [5, 2]  shard 1: shape [5, 2]
 *   rows 0-4          offset [0, 0]          offset [0, 2]
 *   (model=0)         device (b=0, m=0) = 0  device (b=1, m=0) = 2
 *
 *   axis 0 piece 1    shard 2: shape [4, 2]  shard 3: shape [4, 2]
 *   rows 5-8          offset [5, 0]          offset [5, 2]
 *   (model=1)         device (b=0, m=1) = 1  device (b=1, m=1) = 3
 * </pre>
 *
 * <p>(Devices are numbered row-major in mesh order, see {@link Mesh#deviceCoordinates(int)}, so
 * they need not follow shard order; {@link #shardOfDevice(int)} maps between them.)
 *
 * <p>Arrays are row-major (the last axis varies fastest); a rank-0 tensor has one element and a
 * single shard. The whole tensor may have more than {@link Integer#MAX_VALUE} elements, but every
 * shard must fit in an array. Immutable and serializable.
 */
public final class ShardedShape implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int[] shape;
  private final Layout layout;
  private final BalancedSplit[] splits;
  /** Shard-id stride per axis: the product of the piece counts of the later axes. */
  private final int[] shardStrides;

  private final int numShards;

  private ShardedShape(int[] shape, Layout layout) {
    this.shape = shape;
    this.layout = layout;
    int rank = shape.length;
    this.splits = new BalancedSplit[rank];
    this.shardStrides = new int[rank];
    int stride = 1;
    for (int axis = rank - 1; axis >= 0; axis--) {
      splits[axis] = BalancedSplit.of(shape[axis], layout.numPieces(axis));
      shardStrides[axis] = stride;
      stride *= splits[axis].numPieces();
    }
    this.numShards = stride;
    checkShardsFitInArrays();
  }

  private void checkShardsFitInArrays() {
    if (hasEmptyAxis(shape)) {
      return;
    }
    // Piece 0 is the longest on every axis, so shard 0 is the largest shard.
    int[] largestShape = new int[shape.length];
    for (int axis = 0; axis < shape.length; axis++) {
      largestShape[axis] = splits[axis].pieceLength(0);
    }
    long largest = 1;
    for (int length : largestShape) {
      largest *= length;
      if (largest > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "shape "
                + Arrays.toString(shape)
                + " under layout "
                + layout
                + " has shards of shape "
                + Arrays.toString(largestShape)
                + ", more than "
                + Integer.MAX_VALUE
                + " elements; expected at most "
                + Integer.MAX_VALUE
                + " elements per shard (use a layout with more shards)");
      }
    }
  }

  private static boolean hasEmptyAxis(int[] shape) {
    for (int length : shape) {
      if (length == 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * The tensor {@code shape} under {@code layout}; {@code of(layout)} is a rank-0 tensor.
   *
   * @throws IllegalArgumentException if the shape's rank differs from the layout's, a length is
   *     negative, or a shard has more than {@link Integer#MAX_VALUE} elements
   */
  public static ShardedShape of(Layout layout, int... shape) {
    Objects.requireNonNull(layout, "layout");
    int[] s = Objects.requireNonNull(shape, "shape").clone();
    layout.checkShape(s);
    return new ShardedShape(s, layout);
  }

  /** The whole tensor's shape (a copy). */
  public int[] shape() {
    return shape.clone();
  }

  /** The number of axes. */
  public int rank() {
    return shape.length;
  }

  /** The layout. */
  public Layout layout() {
    return layout;
  }

  /** The layout's mesh. */
  public Mesh mesh() {
    return layout.mesh();
  }

  /** The number of elements of the whole tensor (1 for rank 0). */
  public long numElements() {
    long n = 1;
    for (int s : shape) {
      n *= s;
    }
    return n;
  }

  /** The number of distinct shards; see the class comment for how they are numbered. */
  public int numShards() {
    return numShards;
  }

  /**
   * The split of {@code axis} into pieces.
   *
   * @throws IllegalArgumentException if {@code axis} is not in {@code [0, rank())}
   */
  public BalancedSplit split(int axis) {
    return splits[checkAxis(axis)];
  }

  /**
   * The number of pieces along {@code axis}: its mesh dimension's size, or 1 if unsharded.
   *
   * @throws IllegalArgumentException if {@code axis} is not in {@code [0, rank())}
   */
  public int numPieces(int axis) {
    return split(axis).numPieces();
  }

  /**
   * The first index along {@code axis} of {@code piece}.
   *
   * @throws IllegalArgumentException if {@code axis} or {@code piece} is out of range
   */
  public int pieceStart(int axis, int piece) {
    return split(axis).pieceStart(piece);
  }

  /**
   * The length along {@code axis} of {@code piece} (0 for an empty piece).
   *
   * @throws IllegalArgumentException if {@code axis} or {@code piece} is out of range
   */
  public int pieceLength(int axis, int piece) {
    return split(axis).pieceLength(piece);
  }

  /**
   * The piece along {@code axis} that holds global {@code index}.
   *
   * @throws IllegalArgumentException if {@code axis} or {@code index} is out of range
   */
  public int pieceOf(int axis, int index) {
    return split(axis).pieceOf(index);
  }

  /**
   * The piece index of a shard on every axis (0 on unsharded axes).
   *
   * @throws IllegalArgumentException if {@code shardId} is not in {@code [0, numShards())}
   */
  public int[] shardCoordinates(int shardId) {
    checkShard(shardId);
    int[] pieces = new int[shape.length];
    for (int axis = 0; axis < shape.length; axis++) {
      pieces[axis] = shardId / shardStrides[axis] % splits[axis].numPieces();
    }
    return pieces;
  }

  /**
   * The shard with the given piece index on every axis; the inverse of {@link
   * #shardCoordinates(int)}.
   *
   * @throws IllegalArgumentException if there is not one piece per axis or one is out of range
   */
  public int shardId(int... pieces) {
    Objects.requireNonNull(pieces, "pieces");
    if (pieces.length != shape.length) {
      throw new IllegalArgumentException(
          "expected " + shape.length + " piece indices, one per axis, got " + pieces.length);
    }
    int id = 0;
    for (int axis = 0; axis < shape.length; axis++) {
      Checks.index("piece on axis " + axis, pieces[axis], splits[axis].numPieces());
      id += pieces[axis] * shardStrides[axis];
    }
    return id;
  }

  /**
   * The shard that mesh device {@code deviceId} holds: on each sharded axis, the device's
   * coordinate on that axis's mesh dimension picks the piece.
   *
   * @throws IllegalArgumentException if {@code deviceId} is not in {@code [0,
   *     mesh().numDevices())}
   */
  public int shardOfDevice(int deviceId) {
    int[] device = mesh().deviceCoordinates(deviceId);
    int id = 0;
    for (int axis = 0; axis < shape.length; axis++) {
      int piece = layout.shardingDimension(axis).map(d -> device[mesh().indexOf(d)]).orElse(0);
      id += piece * shardStrides[axis];
    }
    return id;
  }

  /**
   * The shape of a shard: the length of its piece on every axis.
   *
   * @throws IllegalArgumentException if {@code shardId} is not in {@code [0, numShards())}
   */
  public int[] shardShape(int shardId) {
    int[] pieces = shardCoordinates(shardId);
    int[] result = new int[shape.length];
    for (int axis = 0; axis < shape.length; axis++) {
      result[axis] = splits[axis].pieceLength(pieces[axis]);
    }
    return result;
  }

  /**
   * The global index of a shard's first element on every axis.
   *
   * @throws IllegalArgumentException if {@code shardId} is not in {@code [0, numShards())}
   */
  public int[] shardOffset(int shardId) {
    int[] pieces = shardCoordinates(shardId);
    int[] result = new int[shape.length];
    for (int axis = 0; axis < shape.length; axis++) {
      result[axis] = splits[axis].pieceStart(pieces[axis]);
    }
    return result;
  }

  /**
   * The number of elements of a shard (0 if any of its pieces is empty).
   *
   * @throws IllegalArgumentException if {@code shardId} is not in {@code [0, numShards())}
   */
  public int shardLength(int shardId) {
    return volume(shardShape(shardId), 0);
  }

  /**
   * A new array with the elements of shard {@code shardId} of {@code whole}, row-major in the
   * shard's shape.
   *
   * @throws IllegalArgumentException if {@code whole} does not have {@link #numElements()}
   *     elements or {@code shardId} is out of range
   */
  public float[] sliceShard(float[] whole, int shardId) {
    checkWhole(whole.length);
    float[] shard = new float[shardLength(shardId)];
    copyShard(whole, shard, shardId, true);
    return shard;
  }

  /** As {@link #sliceShard(float[], int)} for {@code double}s. */
  public double[] sliceShard(double[] whole, int shardId) {
    checkWhole(whole.length);
    double[] shard = new double[shardLength(shardId)];
    copyShard(whole, shard, shardId, true);
    return shard;
  }

  /**
   * Writes {@code shard}, row-major in the shard's shape, into its place in {@code whole}; the
   * inverse of {@link #sliceShard(float[], int)}. Other elements of {@code whole} are unchanged.
   *
   * @throws IllegalArgumentException if an array has the wrong length or {@code shardId} is out of
   *     range
   */
  public void assembleShard(float[] shard, int shardId, float[] whole) {
    checkWhole(whole.length);
    checkShardArray(shard.length, shardId);
    copyShard(whole, shard, shardId, false);
  }

  /** As {@link #assembleShard(float[], int, float[])} for {@code double}s. */
  public void assembleShard(double[] shard, int shardId, double[] whole) {
    checkWhole(whole.length);
    checkShardArray(shard.length, shardId);
    copyShard(whole, shard, shardId, false);
  }

  /**
   * The positions in the whole tensor (row-major) of elements of shard {@code shardId} given by
   * their positions in the shard (row-major in the shard's shape).
   *
   * @throws IllegalArgumentException if {@code shardId} or a local position is out of range
   */
  public int[] globalIndices(int shardId, int[] localIndices) {
    int[] extent = shardShape(shardId);
    int[] offset = shardOffset(shardId);
    int length = volume(extent, 0);
    int[] out = new int[localIndices.length];
    for (int k = 0; k < localIndices.length; k++) {
      int local = Checks.index("local position " + k, localIndices[k], length);
      long global = 0;
      long stride = 1;
      for (int axis = shape.length - 1; axis >= 0; axis--) {
        int coordinate = local % extent[axis];
        local /= extent[axis];
        global += (coordinate + offset[axis]) * stride;
        stride *= shape[axis];
      }
      out[k] = (int) global;
    }
    return out;
  }

  /**
   * The number of rows: the length of axis 0.
   *
   * @throws IllegalArgumentException if the tensor has rank 0
   */
  public int numRows() {
    checkHasRows();
    return shape[0];
  }

  /**
   * The number of elements in one row: the product of the lengths of axes 1 and up.
   *
   * @throws IllegalArgumentException if the tensor has rank 0
   */
  public int rowLength() {
    checkHasRows();
    long n = 1;
    for (int axis = 1; axis < shape.length; axis++) {
      n *= shape[axis];
    }
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "rows of shape "
              + shapeText()
              + " have "
              + n
              + " elements; expected at most "
              + Integer.MAX_VALUE
              + " to hold a row in an array");
    }
    return (int) n;
  }

  /**
   * The shards that hold part of global row {@code row}: those whose axis-0 piece contains it, in
   * increasing order. That is one shard if only axis 0 is sharded, every shard if axis 0 is
   * unsharded, and in general {@code numShards() / numPieces(0)} consecutive ids. A shard whose
   * piece on another axis is empty is included and takes an empty part of the row.
   *
   * @throws IllegalArgumentException if the tensor has rank 0 or {@code row} is out of range
   */
  public int[] shardsOfRow(int row) {
    checkRow(row);
    int first = splits[0].pieceOf(row) * shardStrides[0];
    int[] ids = new int[shardStrides[0]];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = first + i;
    }
    return ids;
  }

  /**
   * The index within shard {@code shardId} of global row {@code row}.
   *
   * @throws IllegalArgumentException if the tensor has rank 0, an argument is out of range, or
   *     the shard does not hold the row
   */
  public int localRow(int shardId, int row) {
    checkRow(row);
    int piece = shardCoordinates(shardId)[0];
    int start = splits[0].pieceStart(piece);
    int end = splits[0].pieceEnd(piece);
    if (row < start || row >= end) {
      throw new IllegalArgumentException(
          "row must be in ["
              + start
              + ", "
              + end
              + ") to be held by shard "
              + shardId
              + ", got "
              + row
              + " (held by shards "
              + Arrays.toString(shardsOfRow(row))
              + ")");
    }
    return row - start;
  }

  /**
   * The number of elements of one row of shard {@code shardId}: the product of its lengths on
   * axes 1 and up. Local row {@code i} of the shard's array starts at {@code i *
   * shardRowLength(shardId)}.
   *
   * @throws IllegalArgumentException if the tensor has rank 0 or {@code shardId} is out of range
   */
  public int shardRowLength(int shardId) {
    checkHasRows();
    return volume(shardShape(shardId), 1);
  }

  /**
   * The part of one row that shard {@code shardId} holds: {@code rowValues} (a whole row,
   * row-major over axes 1 and up) restricted to the shard's pieces on axes 1 and up, row-major in
   * those pieces' lengths, so {@link #shardRowLength(int)} long. For a row the shard holds, this
   * is the shard's local row {@link #localRow(int, int)}, exactly as {@link #sliceShard(float[],
   * int)} would cut it from the dense tensor.
   *
   * @throws IllegalArgumentException if the tensor has rank 0, {@code rowValues} does not have
   *     {@link #rowLength()} elements, or {@code shardId} is out of range
   */
  public float[] sliceRow(float[] rowValues, int shardId) {
    checkRowArray(rowValues.length);
    float[] part = new float[shardRowLength(shardId)];
    copyRowPart(rowValues, part, shardId);
    return part;
  }

  /** As {@link #sliceRow(float[], int)} for {@code double}s. */
  public double[] sliceRow(double[] rowValues, int shardId) {
    checkRowArray(rowValues.length);
    double[] part = new double[shardRowLength(shardId)];
    copyRowPart(rowValues, part, shardId);
    return part;
  }

  private void copyShard(Object whole, Object shard, int shardId, boolean toShard) {
    BoxCopy.copy(whole, shape, shardOffset(shardId), shardShape(shardId), 0, shard, toShard);
  }

  private void copyRowPart(Object rowValues, Object part, int shardId) {
    BoxCopy.copy(rowValues, shape, shardOffset(shardId), shardShape(shardId), 1, part, true);
  }



  private void checkWhole(int length) {
    Checks.length(
        "whole array", length, numElements(), "the number of elements of shape " + shapeText());
  }

  private void checkShardArray(int length, int shardId) {
    String because =
        "the number of elements of shard "
            + shardId
            + " of shape "
            + Arrays.toString(shardShape(shardId));
    Checks.length("shard array", length, shardLength(shardId), because);
  }

  private void checkRowArray(int length) {
    Checks.length("row array", length, rowLength(), "the row length of shape " + shapeText());
  }

  private int checkAxis(int axis) {
    return Checks.index("axis", axis, shape.length);
  }

  private void checkShard(int shardId) {
    Checks.index("shardId", shardId, numShards);
  }

  private void checkHasRows() {
    if (shape.length == 0) {
      throw new IllegalArgumentException(
          "row operations need a tensor of rank >= 1, got shape [] of rank 0");
    }
  }

  private void checkRow(int row) {
    checkHasRows();
    Checks.index("row", row, shape[0]);
  }

  private String shapeText() {
    return Arrays.toString(shape);
  }

  private static int volume(int[] extent, int fromAxis) {
    int n = 1;
    for (int axis = fromAxis; axis < extent.length; axis++) {
      n *= extent[axis];
    }
    return n;
  }

  /** Equal if the shapes and the layouts are equal. */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ShardedShape)) {
      return false;
    }
    ShardedShape other = (ShardedShape) o;
    return Arrays.equals(shape, other.shape) && layout.equals(other.layout);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + layout.hashCode();
  }

  /**
   * For example {@code ShardedShape[shape=[9, 4], layout=["model", "batch"], mesh=batch=2,model=2,
   * shards=4]}.
   */
  @Override
  public String toString() {
    return "ShardedShape[shape="
        + shapeText()
        + ", layout="
        + layout
        + ", mesh="
        + mesh()
        + ", shards="
        + numShards
        + "]";
  }
}
