package io.meshgrad.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgrad.support.Checks;
import io.meshgrad.support.Json;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A logical device mesh: ordered, named dimensions with sizes, as in DTensor, for example
 * {@code batch=4,model=2} (8 devices).
 *
 * <p>At most one dimension is the <em>batch</em> (data-parallel) dimension: the training data is
 * split into {@link #batchSize()} partitions along it. By default it is the dimension named
 * {@value #DEFAULT_BATCH_DIMENSION}, if there is one; {@link #withBatchDimension(String)} and
 * {@link #withoutBatchDimension()} choose otherwise. A mesh without a batch dimension has batch
 * size 1. The other dimensions shard variables, although a {@link Layout} may name the batch
 * dimension too.
 *
 * <p>Devices are numbered row-major over the dimensions in mesh order: on {@code batch=4,model=2}
 * device {@code 2*b + m} has coordinates {@code (batch=b, model=m)}; see {@link
 * #deviceCoordinates(int)}.
 *
 * <p>Dimension names match {@code [A-Za-z_][A-Za-z0-9_]*}; the name {@value Layout#UNSHARDED} is
 * reserved for {@link Layout#UNSHARDED}. Sizes are at least 1 and the number of devices must fit
 * in an {@code int}.
 *
 * <p>Immutable and serializable.
 */
public final class Mesh implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The name of the dimension that is the batch dimension unless chosen otherwise. */
  public static final String DEFAULT_BATCH_DIMENSION = "batch";

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern ENTRY = Pattern.compile("\\s*([^=\\s]+)\\s*=\\s*([+-]?\\d+)\\s*");
  private static final String SPEC_EXAMPLE = "'batch=4,model=2'";

  private final String[] names;
  private final int[] sizes;
  /** Index into {@link #names} of the batch dimension, or -1 when there is none. */
  private final int batchIndex;

  private Mesh(String[] names, int[] sizes, int batchIndex) {
    this.names = names;
    this.sizes = sizes;
    this.batchIndex = batchIndex;
  }

  /**
   * A mesh with the given dimensions, in order. The batch dimension is the one named {@value
   * #DEFAULT_BATCH_DIMENSION}, if any.
   *
   * @param names dimension names, in mesh order
   * @param sizes the size of each dimension, parallel to {@code names}
   * @throws IllegalArgumentException if the mesh is empty, the arrays differ in length, a name is
   *     invalid or repeated, a size is below 1, or the number of devices overflows an {@code int}
   */
  public static Mesh of(String[] names, int[] sizes) {
    Objects.requireNonNull(names, "names");
    Objects.requireNonNull(sizes, "sizes");
    if (names.length != sizes.length) {
      throw new IllegalArgumentException(
          "expected one size per dimension name, got "
              + names.length
              + " names "
              + Arrays.toString(names)
              + " and "
              + sizes.length
              + " sizes "
              + Arrays.toString(sizes));
    }
    String[] n = names.clone();
    int[] s = sizes.clone();
    validate(n, s);
    return new Mesh(n, s, indexOfName(n, DEFAULT_BATCH_DIMENSION));
  }

  /**
   * A mesh with the dimensions of {@code dimensions} in its iteration order (use a {@link
   * java.util.LinkedHashMap}). The batch dimension is the one named {@value
   * #DEFAULT_BATCH_DIMENSION}, if any.
   *
   * @throws IllegalArgumentException as {@link #of(String[], int[])}, or if a size is null
   */
  public static Mesh of(Map<String, Integer> dimensions) {
    Objects.requireNonNull(dimensions, "dimensions");
    String[] n = new String[dimensions.size()];
    int[] s = new int[dimensions.size()];
    int i = 0;
    for (Map.Entry<String, Integer> e : dimensions.entrySet()) {
      if (e.getValue() == null) {
        throw new IllegalArgumentException(
            "mesh dimension '" + e.getKey() + "' has no size; expected an integer >= 1, got null");
      }
      n[i] = e.getKey();
      s[i] = e.getValue();
      i++;
    }
    return of(n, s);
  }

  /**
   * Parses the form that {@link #toString()} writes: comma-separated {@code name=size} entries in
   * mesh order, such as {@code "batch=4,model=2"}. Whitespace around names, sizes, {@code =} and
   * commas is ignored. The batch dimension is the one named {@value #DEFAULT_BATCH_DIMENSION}, if
   * any.
   *
   * @throws IllegalArgumentException if the spec cannot be parsed or describes an invalid mesh
   */
  public static Mesh parse(String spec) {
    Objects.requireNonNull(spec, "spec");
    if (spec.isBlank()) {
      throw new IllegalArgumentException(
          "cannot parse mesh spec '"
              + spec
              + "': expected at least one name=size entry, such as "
              + SPEC_EXAMPLE);
    }
    String[] entries = spec.split(",", -1);
    String[] n = new String[entries.length];
    int[] s = new int[entries.length];
    for (int i = 0; i < entries.length; i++) {
      Matcher m = ENTRY.matcher(entries[i]);
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "cannot parse mesh spec '"
                + spec
                + "': entry "
                + (i + 1)
                + " is '"
                + entries[i].strip()
                + "'; expected comma-separated name=size entries with integer sizes, such as "
                + SPEC_EXAMPLE);
      }
      n[i] = m.group(1);
      try {
        s[i] = Integer.parseInt(m.group(2));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "mesh dimension '"
                + n[i]
                + "' has size "
                + m.group(2)
                + "; expected an integer between 1 and "
                + Integer.MAX_VALUE,
            e);
      }
    }
    return of(n, s);
  }

  /**
   * Reads a mesh from a JSON object mapping dimension names to sizes in mesh order, such as
   * {@code {"batch": 2, "model": 2}}. The batch dimension is the one named {@value
   * #DEFAULT_BATCH_DIMENSION}, if any.
   *
   * @throws IllegalArgumentException if the text is not a JSON object of integer sizes (repeated
   *     keys included) or describes an invalid mesh
   */
  public static Mesh fromJson(String json) {
    Objects.requireNonNull(json, "json");
    return fromJson(Json.readTree(json, "mesh"));
  }

  /**
   * Reads a mesh from a parsed JSON object, as {@link #fromJson(String)}. Note that a tree parsed
   * elsewhere may already have dropped repeated keys.
   *
   * @throws IllegalArgumentException if the node is not an object of integer sizes or describes
   *     an invalid mesh
   */
  public static Mesh fromJson(JsonNode node) {
    Objects.requireNonNull(node, "node");
    if (!node.isObject()) {
      throw new IllegalArgumentException(
          "expected a JSON object of dimension sizes such as {\"batch\": 2, \"model\": 2}, got "
              + Json.describe(node));
    }
    List<String> n = new ArrayList<>();
    int[] s = new int[node.size()];
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      JsonNode value = field.getValue();
      if (!value.isIntegralNumber() || !value.canConvertToInt()) {
        throw new IllegalArgumentException(
            "mesh dimension '"
                + field.getKey()
                + "' has size "
                + Json.describe(value)
                + "; expected an integer between 1 and "
                + Integer.MAX_VALUE);
      }
      s[n.size()] = value.intValue();
      n.add(field.getKey());
    }
    return of(n.toArray(new String[0]), s);
  }

  private static void validate(String[] names, int[] sizes) {
    if (names.length == 0) {
      throw new IllegalArgumentException(
          "a mesh needs at least one dimension, got none; expected e.g. " + SPEC_EXAMPLE);
    }
    long devices = 1;
    for (int i = 0; i < names.length; i++) {
      String name = names[i];
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "invalid mesh dimension name "
                + (name == null ? "null" : "'" + name + "'")
                + "; expected a name matching [A-Za-z_][A-Za-z0-9_]*");
      }
      if (name.equals(Layout.UNSHARDED)) {
        throw new IllegalArgumentException(
            "invalid mesh dimension name '"
                + name
                + "': it is reserved for unsharded layout axes; expected any other name");
      }
      int earlier = indexOfName(names, name);
      if (earlier < i) {
        throw new IllegalArgumentException(
            "duplicate mesh dimension '"
                + name
                + "' at positions "
                + earlier
                + " and "
                + i
                + " of "
                + Arrays.toString(names)
                + "; expected distinct names");
      }
      if (sizes[i] < 1) {
        throw new IllegalArgumentException(
            "mesh dimension '" + name + "' has size " + sizes[i] + "; expected a size >= 1");
      }
      devices *= sizes[i];
      if (devices > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "mesh "
                + Arrays.toString(names)
                + " with sizes "
                + Arrays.toString(sizes)
                + " has more than "
                + Integer.MAX_VALUE
                + " devices; expected at most that many");
      }
    }
  }

  private static int indexOfName(String[] names, String name) {
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * This mesh with {@code name} as its batch dimension.
   *
   * @throws IllegalArgumentException if the mesh has no dimension {@code name}
   */
  public Mesh withBatchDimension(String name) {
    return new Mesh(names, sizes, indexOf(name));
  }

  /** This mesh without a batch dimension: the batch size becomes 1. */
  public Mesh withoutBatchDimension() {
    return new Mesh(names, sizes, -1);
  }

  /** The dimension names in mesh order. */
  public List<String> dimensionNames() {
    return List.of(names);
  }

  /** The dimension sizes in mesh order (a copy). */
  public int[] sizes() {
    return sizes.clone();
  }

  /** The number of dimensions. */
  public int numDimensions() {
    return names.length;
  }

  /** Whether the mesh has a dimension called {@code name}. */
  public boolean contains(String name) {
    return name != null && indexOfName(names, name) >= 0;
  }

  /**
   * The position of dimension {@code name} in mesh order.
   *
   * @throws IllegalArgumentException if the mesh has no such dimension
   */
  public int indexOf(String name) {
    int i = name == null ? -1 : indexOfName(names, name);
    if (i < 0) {
      throw new IllegalArgumentException(
          "unknown mesh dimension "
              + (name == null ? "null" : "'" + name + "'")
              + "; expected one of "
              + dimensionNames()
              + " (mesh "
              + this
              + ")");
    }
    return i;
  }

  /**
   * The size of dimension {@code name}.
   *
   * @throws IllegalArgumentException if the mesh has no such dimension
   */
  public int size(String name) {
    return sizes[indexOf(name)];
  }

  /** The batch (data-parallel) dimension, empty if the mesh has none. */
  public Optional<String> batchDimension() {
    return batchIndex < 0 ? Optional.empty() : Optional.of(names[batchIndex]);
  }

  /** The size of the batch dimension, or 1 if the mesh has none. */
  public int batchSize() {
    return batchIndex < 0 ? 1 : sizes[batchIndex];
  }

  /** The first dimension in mesh order that is not the batch dimension, if any. */
  public Optional<String> firstNonBatchDimension() {
    for (int i = 0; i < names.length; i++) {
      if (i != batchIndex) {
        return Optional.of(names[i]);
      }
    }
    return Optional.empty();
  }

  /** The number of devices: the product of all dimension sizes. */
  public int numDevices() {
    int n = 1;
    for (int s : sizes) {
      n *= s;
    }
    return n;
  }

  /**
   * The coordinates of a device, one per dimension in mesh order; devices are numbered row-major
   * (the last dimension varies fastest).
   *
   * @throws IllegalArgumentException if {@code deviceId} is not in {@code [0, numDevices())}
   */
  public int[] deviceCoordinates(int deviceId) {
    Checks.index("deviceId", deviceId, numDevices());
    int[] coordinates = new int[names.length];
    int rest = deviceId;
    for (int i = names.length - 1; i >= 0; i--) {
      coordinates[i] = rest % sizes[i];
      rest /= sizes[i];
    }
    return coordinates;
  }

  /**
   * The device with the given coordinates, one per dimension in mesh order; the inverse of {@link
   * #deviceCoordinates(int)}.
   *
   * @throws IllegalArgumentException if there is not one coordinate per dimension or one is out of
   *     range
   */
  public int deviceId(int... coordinates) {
    Objects.requireNonNull(coordinates, "coordinates");
    if (coordinates.length != names.length) {
      throw new IllegalArgumentException(
          "expected "
              + names.length
              + " device coordinates, one per mesh dimension "
              + dimensionNames()
              + ", got "
              + coordinates.length
              + ": "
              + Arrays.toString(coordinates));
    }
    int id = 0;
    for (int i = 0; i < names.length; i++) {
      Checks.index("coordinate on mesh dimension '" + names[i] + "'", coordinates[i], sizes[i]);
      id = id * sizes[i] + coordinates[i];
    }
    return id;
  }

  /**
   * Two meshes are equal if they have the same dimensions, sizes and order, and the same batch
   * dimension.
   */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Mesh)) {
      return false;
    }
    Mesh other = (Mesh) o;
    return batchIndex == other.batchIndex
        && Arrays.equals(names, other.names)
        && Arrays.equals(sizes, other.sizes);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(names) + Arrays.hashCode(sizes)) + batchIndex;
  }

  /**
   * The spec form that {@link #parse(String)} reads, such as {@code batch=4,model=2}. It does not
   * record a batch dimension chosen with {@link #withBatchDimension(String)} or {@link
   * #withoutBatchDimension()}.
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < names.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(names[i]).append('=').append(sizes[i]);
    }
    return sb.toString();
  }
}
