package io.meshgrad.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgrad.support.Checks;
import io.meshgrad.support.Json;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a tensor is laid out on a {@link Mesh}, as in DTensor: one entry per tensor axis, either the
 * name of the mesh dimension that shards that axis or {@link #UNSHARDED}.
 *
 * <p>An axis sharded on a mesh dimension of size {@code k} is cut into {@code k} pieces (see
 * {@link BalancedSplit}); a mesh dimension named on no axis replicates the tensor along it. A mesh
 * dimension may shard at most one axis. Any dimension may be named, the batch dimension included.
 *
 * <p>On mesh {@code batch=2,model=2}, layout {@code ["model", "unsharded"]} cuts a {@code [6, 4]}
 * matrix into two row blocks; devices with the same {@code model} coordinate hold the same block:
 *
 * <pre>
 *   rows 0-2 : devices (batch=0, model=0), (batch=1, model=0)
 *   rows 3-5 : devices (batch=0, model=1), (batch=1, model=1)
 * </pre>
 *
 * <p>{@link ShardedShape} does the arithmetic for a concrete tensor shape. Immutable and
 * serializable; equality includes the mesh.
 */
public final class Layout implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The entry for an axis that is not sharded, as DTensor's {@code UNSHARDED}. */
  public static final String UNSHARDED = "unsharded";

  private final Mesh mesh;
  private final String[] axes;

  private Layout(Mesh mesh, String[] axes) {
    this.mesh = mesh;
    this.axes = axes;
  }

  /**
   * A layout with the given entry per tensor axis: a mesh dimension name or {@link #UNSHARDED}.
   *
   * @throws IllegalArgumentException if an entry is neither, or a mesh dimension is named on two
   *     axes
   */
  public static Layout of(Mesh mesh, String... axes) {
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(axes, "axes");
    String[] a = axes.clone();
    validate(mesh, a);
    return new Layout(mesh, a);
  }

  /** As {@link #of(Mesh, String...)} with the entries in a list. */
  public static Layout of(Mesh mesh, List<String> axes) {
    Objects.requireNonNull(axes, "axes");
    return of(mesh, axes.toArray(new String[0]));
  }

  /**
   * A layout from a JSON array of strings such as {@code ["model", "unsharded"]}, the form {@link
   * #toString()} writes.
   *
   * @throws IllegalArgumentException if the text is not a JSON array of strings or names an
   *     invalid layout
   */
  public static Layout fromJson(Mesh mesh, String json) {
    Objects.requireNonNull(json, "json");
    return fromJson(mesh, Json.readTree(json, "layout"));
  }

  /** As {@link #fromJson(Mesh, String)} from a parsed JSON array. */
  public static Layout fromJson(Mesh mesh, JsonNode node) {
    Objects.requireNonNull(node, "node");
    if (!node.isArray()) {
      throw new IllegalArgumentException(
          "expected a layout as a JSON array of strings such as [\"model\", \"unsharded\"], got "
              + Json.describe(node));
    }
    String[] a = new String[node.size()];
    for (int i = 0; i < a.length; i++) {
      JsonNode entry = node.get(i);
      if (!entry.isTextual()) {
        throw new IllegalArgumentException(
            "layout axis "
                + i
                + " is "
                + Json.describe(entry)
                + "; expected a string: one of "
                + allowed(mesh));
      }
      a[i] = entry.textValue();
    }
    return of(mesh, a);
  }

  /** A layout of the given rank with every axis unsharded: each device holds the whole tensor. */
  public static Layout replicated(Mesh mesh, int rank) {
    Objects.requireNonNull(mesh, "mesh");
    checkRank(rank, 0);
    String[] a = new String[rank];
    Arrays.fill(a, UNSHARDED);
    return new Layout(mesh, a);
  }

  /**
   * A layout of the given rank with axis 0 sharded on {@code batchDim} and the other axes
   * unsharded, as DTensor's {@code Layout.batch_sharded}.
   *
   * @throws IllegalArgumentException if {@code rank < 1} or {@code batchDim} is not a mesh
   *     dimension
   */
  public static Layout batchSharded(Mesh mesh, String batchDim, int rank) {
    Objects.requireNonNull(mesh, "mesh");
    checkRank(rank, 1);
    String[] a = new String[rank];
    Arrays.fill(a, UNSHARDED);
    a[0] = batchDim;
    return of(mesh, a);
  }

  /**
   * The layout meshgrad gives a variable when none is configured: axis 0 sharded on the mesh's
   * {@linkplain Mesh#firstNonBatchDimension() first non-batch dimension}, other axes unsharded;
   * fully replicated if the mesh has no non-batch dimension or {@code rank} is 0.
   */
  public static Layout defaultFor(Mesh mesh, int rank) {
    Objects.requireNonNull(mesh, "mesh");
    checkRank(rank, 0);
    Optional<String> dim = mesh.firstNonBatchDimension();
    if (rank == 0 || dim.isEmpty()) {
      return replicated(mesh, rank);
    }
    return batchSharded(mesh, dim.get(), rank);
  }

  private static void checkRank(int rank, int min) {
    if (rank < min) {
      throw new IllegalArgumentException("rank must be >= " + min + ", got " + rank);
    }
  }

  private static void validate(Mesh mesh, String[] axes) {
    for (int i = 0; i < axes.length; i++) {
      String dim = axes[i];
      if (UNSHARDED.equals(dim)) {
        continue;
      }
      if (!mesh.contains(dim)) {
        throw new IllegalArgumentException(
            "layout "
                + render(axes)
                + " names unknown mesh dimension "
                + (dim == null ? "null" : "'" + dim + "'")
                + " on axis "
                + i
                + "; expected one of "
                + allowed(mesh)
                + " (mesh "
                + mesh
                + ")");
      }
      for (int j = 0; j < i; j++) {
        if (dim.equals(axes[j])) {
          throw new IllegalArgumentException(
              "layout "
                  + render(axes)
                  + " shards axes "
                  + j
                  + " and "
                  + i
                  + " on the same mesh dimension '"
                  + dim
                  + "'; expected each mesh dimension on at most one axis");
        }
      }
    }
  }

  private static String allowed(Mesh mesh) {
    StringBuilder sb = new StringBuilder();
    for (String name : mesh.dimensionNames()) {
      sb.append('\'').append(name).append("', ");
    }
    return sb.append('\'').append(UNSHARDED).append('\'').toString();
  }

  /** The mesh this layout refers to. */
  public Mesh mesh() {
    return mesh;
  }

  /** The number of tensor axes. */
  public int rank() {
    return axes.length;
  }

  /** The entry per axis: a mesh dimension name or {@link #UNSHARDED}. */
  public List<String> axes() {
    return List.of(axes);
  }

  /**
   * The mesh dimension that shards {@code axis}, empty if the axis is unsharded.
   *
   * @throws IllegalArgumentException if {@code axis} is not in {@code [0, rank())}
   */
  public Optional<String> shardingDimension(int axis) {
    Checks.index("axis", axis, axes.length);
    return UNSHARDED.equals(axes[axis]) ? Optional.empty() : Optional.of(axes[axis]);
  }

  /**
   * The number of pieces {@code axis} is cut into: the size of its mesh dimension, or 1 if it is
   * unsharded.
   *
   * @throws IllegalArgumentException if {@code axis} is not in {@code [0, rank())}
   */
  public int numPieces(int axis) {
    return shardingDimension(axis).map(mesh::size).orElse(1);
  }

  /**
   * The number of distinct shards: the product of the sizes of the mesh dimensions named in this
   * layout (1 if fully replicated).
   */
  public int numShards() {
    int n = 1;
    for (int axis = 0; axis < axes.length; axis++) {
      n *= numPieces(axis);
    }
    return n;
  }

  /** Whether no axis is sharded, so every device holds the whole tensor. */
  public boolean isFullyReplicated() {
    for (String a : axes) {
      if (!UNSHARDED.equals(a)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Checks that {@code shape} fits this layout: one non-negative length per layout axis.
   *
   * @throws IllegalArgumentException if the ranks differ or a length is negative
   */
  public void checkShape(int[] shape) {
    Objects.requireNonNull(shape, "shape");
    if (shape.length != axes.length) {
      throw new IllegalArgumentException(
          "layout "
              + this
              + " has rank "
              + axes.length
              + " but tensor shape "
              + Arrays.toString(shape)
              + " has rank "
              + shape.length
              + "; expected a shape of rank "
              + axes.length);
    }
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] < 0) {
        throw new IllegalArgumentException(
            "tensor shape "
                + Arrays.toString(shape)
                + " has length "
                + shape[i]
                + " on axis "
                + i
                + "; expected lengths >= 0");
      }
    }
  }

  /** Equal layouts have equal meshes and the same entry on every axis. */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Layout)) {
      return false;
    }
    Layout other = (Layout) o;
    return mesh.equals(other.mesh) && Arrays.equals(axes, other.axes);
  }

  @Override
  public int hashCode() {
    return 31 * mesh.hashCode() + Arrays.hashCode(axes);
  }

  /** The entries as a JSON array, such as {@code ["model", "unsharded"]}; the mesh is left out. */
  @Override
  public String toString() {
    return render(axes);
  }

  private static String render(String[] axes) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < axes.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(axes[i] == null ? "null" : "\"" + axes[i] + "\"");
    }
    return sb.append(']').toString();
  }
}
