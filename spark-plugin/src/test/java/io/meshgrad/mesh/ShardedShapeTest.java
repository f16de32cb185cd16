package io.meshgrad.mesh;

import static io.meshgrad.mesh.MeshTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ShardedShapeTest {
  private static final Mesh MESH_2X2 = Mesh.parse("batch=2,model=2");

  /** A mesh, a layout on it and a tensor shape. */
  record Case(String mesh, String[] axes, int[] shape) {
    ShardedShape sharded() {
      return ShardedShape.of(Layout.of(Mesh.parse(mesh), axes), shape);
    }

    @Override
    public String toString() {
      return mesh + " " + Arrays.toString(axes) + " " + Arrays.toString(shape);
    }
  }

  private static Case c(String mesh, String[] axes, int... shape) {
    return new Case(mesh, axes, shape);
  }

  private static String[] axes(String... axes) {
    return axes;
  }

  private static final String U = Layout.UNSHARDED;

  static Stream<Case> cases() {
    return Stream.of(
        c("batch=2,model=2", axes()),
        c("batch=2,model=2", axes("model"), 7),
        c("batch=2,model=2", axes("batch"), 1),
        c("batch=2,model=4", axes("model"), 2),
        c("batch=2,model=2", axes(U), 5),
        c("batch=2,model=2", axes("model", "batch"), 9, 4),
        c("batch=2,model=2", axes(U, "model"), 5, 3),
        c("batch=2,model=2", axes(U, U), 3, 3),
        c("batch=3,model=2", axes("batch", "model"), 2, 1),
        c("batch=2,model=3", axes("model", U, "batch"), 7, 2, 5),
        c("batch=2,model=3", axes(U, "model", U), 4, 5, 3),
        c("batch=2,model=3", axes(U, U, "model"), 2, 3, 7),
        c("x=2,y=3,z=2", axes("y", "z", "x"), 5, 3, 3),
        c("x=2,y=3,z=2", axes("z", U, "y"), 3, 0, 4),
        c("a=2,b=2", axes(U, "a", U, "b"), 2, 3, 4, 5));
  }

  // ---- an independent reference: pieces by the definition, shards by coordinates ----

  /** Start of every piece of n over k, plus n at the end, by summing the piece lengths. */
  private static int[] referenceBounds(int n, int k) {
    int[] bounds = new int[k + 1];
    for (int p = 0; p < k; p++) {
      bounds[p + 1] = bounds[p] + n / k + (p < n % k ? 1 : 0);
    }
    return bounds;
  }

  /**
   * For every shard, the global flat indices of its elements in row-major shard order, built by
   * visiting every element of the whole tensor and placing it in its shard.
   */
  private static int[][] referenceShards(Case tc) {
    Mesh mesh = Mesh.parse(tc.mesh());
    int rank = tc.shape().length;
    int[] pieces = new int[rank];
    int[][] bounds = new int[rank][];
    int numShards = 1;
    for (int a = 0; a < rank; a++) {
      pieces[a] = tc.axes()[a].equals(U) ? 1 : mesh.size(tc.axes()[a]);
      bounds[a] = referenceBounds(tc.shape()[a], pieces[a]);
      numShards *= pieces[a];
    }
    int total = 1;
    for (int s : tc.shape()) {
      total *= s;
    }
    int[][] shardElements = new int[numShards][];
    int[] fill = new int[numShards];
    for (int shard = 0; shard < numShards; shard++) {
      int size = 1;
      int rest = shard;
      for (int a = rank - 1; a >= 0; a--) {
        int p = rest % pieces[a];
        rest /= pieces[a];
        size *= bounds[a][p + 1] - bounds[a][p];
      }
      shardElements[shard] = new int[size];
    }
    // Row-major global order visits each shard's elements in row-major shard order too.
    for (int flat = 0; flat < total; flat++) {
      int rest = flat;
      int shard = 0;
      int stride = 1;
      for (int a = rank - 1; a >= 0; a--) {
        int index = rest % tc.shape()[a];
        rest /= tc.shape()[a];
        int p = 0;
        while (index >= bounds[a][p + 1]) {
          p++;
        }
        shard += p * stride;
        stride *= pieces[a];
      }
      shardElements[shard][fill[shard]++] = flat;
    }
    return shardElements;
  }

  private static float[] floats(int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = i + 0.5f;
    }
    return values;
  }

  private static double[] doubles(int n) {
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] = -i - 0.25;
    }
    return values;
  }

  // ---- the 2x2 example of the class comment ----

  @Test
  void twoByTwoExampleFromTheJavadoc() {
    ShardedShape s = ShardedShape.of(Layout.of(MESH_2X2, "model", "batch"), 9, 4);
    assertEquals(4, s.numShards());
    assertEquals(36, s.numElements());
    int[][] shapes = {{5, 2}, {5, 2}, {4, 2}, {4, 2}};
    int[][] offsets = {{0, 0}, {0, 2}, {5, 0}, {5, 2}};
    int[][] coordinates = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    for (int shard = 0; shard < 4; shard++) {
      assertArrayEquals(shapes[shard], s.shardShape(shard), "shape of shard " + shard);
      assertArrayEquals(offsets[shard], s.shardOffset(shard), "offset of shard " + shard);
      assertArrayEquals(coordinates[shard], s.shardCoordinates(shard), "pieces of " + shard);
      assertEquals(shard, s.shardId(coordinates[shard]));
      assertEquals(shapes[shard][0] * shapes[shard][1], s.shardLength(shard));
    }
    // device 2*b + m holds shard 2*m + b
    assertEquals(0, s.shardOfDevice(0));
    assertEquals(2, s.shardOfDevice(1));
    assertEquals(1, s.shardOfDevice(2));
    assertEquals(3, s.shardOfDevice(3));

    assertEquals(0, s.pieceStart(0, 0));
    assertEquals(5, s.pieceStart(0, 1));
    assertEquals(4, s.pieceLength(0, 1));
    assertEquals(1, s.pieceOf(0, 5));
    assertEquals(0, s.pieceOf(1, 1));
    assertEquals(1, s.pieceOf(1, 2));

    float[] whole = floats(36);
    // shard 3: rows 5-8, columns 2-3
    assertArrayEquals(
        new float[] {22.5f, 23.5f, 26.5f, 27.5f, 30.5f, 31.5f, 34.5f, 35.5f},
        s.sliceShard(whole, 3));
  }

  @Test
  void replicatedAlongMeshDimensionsTheLayoutDoesNotName() {
    ShardedShape s = ShardedShape.of(Layout.of(MESH_2X2, "model", U), 6, 4);
    assertEquals(2, s.numShards());
    assertEquals(0, s.shardOfDevice(0)); // batch=0, model=0
    assertEquals(1, s.shardOfDevice(1)); // batch=0, model=1
    assertEquals(0, s.shardOfDevice(2)); // batch=1, model=0
    assertEquals(1, s.shardOfDevice(3)); // batch=1, model=1
    assertArrayEquals(new int[] {3, 4}, s.shardShape(1));
    assertArrayEquals(new int[] {3, 0}, s.shardOffset(1));
  }

  @Test
  void unevenAndEmptyPieces() {
    ShardedShape seven = ShardedShape.of(Layout.of(MESH_2X2, "model"), 7);
    assertArrayEquals(new int[] {4}, seven.shardShape(0));
    assertArrayEquals(new int[] {3}, seven.shardShape(1));
    assertArrayEquals(new int[] {4}, seven.shardOffset(1));

    ShardedShape two = ShardedShape.of(Layout.of(Mesh.parse("model=4"), "model", U), 2, 3);
    int[] rows = new int[4];
    for (int shard = 0; shard < 4; shard++) {
      rows[shard] = two.shardShape(shard)[0];
    }
    assertArrayEquals(new int[] {1, 1, 0, 0}, rows);
    assertArrayEquals(new int[] {0, 3}, two.shardShape(3));
    assertArrayEquals(new int[] {2, 0}, two.shardOffset(3));
    assertEquals(0, two.shardLength(2));
    float[] whole = floats(6);
    assertArrayEquals(new float[0], two.sliceShard(whole, 2));
    float[] before = whole.clone();
    two.assembleShard(new float[0], 3, whole);
    assertArrayEquals(before, whole);
  }

  @Test
  void rankZeroIsOneShardOfOneElement() {
    ShardedShape s = ShardedShape.of(Layout.replicated(MESH_2X2, 0));
    assertEquals(0, s.rank());
    assertEquals(1, s.numShards());
    assertEquals(1, s.numElements());
    assertArrayEquals(new int[0], s.shardShape(0));
    assertArrayEquals(new int[0], s.shardOffset(0));
    assertEquals(1, s.shardLength(0));
    assertEquals(0, s.shardOfDevice(3));
    assertArrayEquals(new double[] {4.5}, s.sliceShard(new double[] {4.5}, 0));
    double[] whole = {0};
    s.assembleShard(new double[] {-1.5}, 0, whole);
    assertArrayEquals(new double[] {-1.5}, whole);
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> s.shardsOfRow(0)),
        "rank >= 1",
        "rank 0");
    assertThrows(IllegalArgumentException.class, s::rowLength);
    assertThrows(IllegalArgumentException.class, () -> s.shardRowLength(0));
  }

  // ---- every case: slicing matches the reference, assembling reproduces the whole ----

  @ParameterizedTest
  @MethodSource("cases")
  void shardsMatchTheReference(Case tc) {
    ShardedShape s = tc.sharded();
    int[][] reference = referenceShards(tc);
    assertEquals(reference.length, s.numShards());
    long covered = 0;
    Set<String> distinctCoordinates = new HashSet<>();
    for (int shard = 0; shard < s.numShards(); shard++) {
      assertEquals(reference[shard].length, s.shardLength(shard), "length of shard " + shard);
      covered += s.shardLength(shard);
      int[] pieces = s.shardCoordinates(shard);
      distinctCoordinates.add(Arrays.toString(pieces));
      assertEquals(shard, s.shardId(pieces));
      for (int a = 0; a < s.rank(); a++) {
        assertEquals(s.pieceStart(a, pieces[a]), s.shardOffset(shard)[a]);
        assertEquals(s.pieceLength(a, pieces[a]), s.shardShape(shard)[a]);
      }
    }
    assertEquals(s.numShards(), distinctCoordinates.size());
    assertEquals(s.numElements(), covered, "every element lies in exactly one shard");
  }

  @ParameterizedTest
  @MethodSource("cases")
  void floatSliceMatchesReferenceAndAssembleRoundTrips(Case tc) {
    ShardedShape s = tc.sharded();
    int[][] reference = referenceShards(tc);
    float[] whole = floats((int) s.numElements());
    float[] rebuilt = new float[whole.length];
    Arrays.fill(rebuilt, Float.NaN);
    for (int shard = 0; shard < s.numShards(); shard++) {
      float[] slice = s.sliceShard(whole, shard);
      float[] expected = new float[reference[shard].length];
      for (int i = 0; i < expected.length; i++) {
        expected[i] = whole[reference[shard][i]];
      }
      assertArrayEquals(expected, slice, "shard " + shard);
      s.assembleShard(slice, shard, rebuilt);
    }
    assertArrayEquals(whole, rebuilt);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void doubleSliceMatchesReferenceAndAssembleRoundTrips(Case tc) {
    ShardedShape s = tc.sharded();
    int[][] reference = referenceShards(tc);
    double[] whole = doubles((int) s.numElements());
    double[] rebuilt = new double[whole.length];
    Arrays.fill(rebuilt, Double.NaN);
    for (int shard = 0; shard < s.numShards(); shard++) {
      double[] slice = s.sliceShard(whole, shard);
      double[] expected = new double[reference[shard].length];
      for (int i = 0; i < expected.length; i++) {
        expected[i] = whole[reference[shard][i]];
      }
      assertArrayEquals(expected, slice, "shard " + shard);
      s.assembleShard(slice, shard, rebuilt);
    }
    assertArrayEquals(whole, rebuilt);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void assembleWritesOnlyItsShard(Case tc) {
    ShardedShape s = tc.sharded();
    int[][] reference = referenceShards(tc);
    for (int shard = 0; shard < s.numShards(); shard++) {
      double[] whole = new double[(int) s.numElements()];
      double[] ones = new double[s.shardLength(shard)];
      Arrays.fill(ones, 1);
      s.assembleShard(ones, shard, whole);
      double[] expected = new double[whole.length];
      for (int flat : reference[shard]) {
        expected[flat] = 1;
      }
      assertArrayEquals(expected, whole, "shard " + shard);
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void deviceHoldsTheShardOfItsCoordinates(Case tc) {
    ShardedShape s = tc.sharded();
    Mesh mesh = s.mesh();
    for (int device = 0; device < mesh.numDevices(); device++) {
      int[] coordinates = mesh.deviceCoordinates(device);
      int[] pieces = new int[s.rank()];
      for (int a = 0; a < s.rank(); a++) {
        pieces[a] = tc.axes()[a].equals(U) ? 0 : coordinates[mesh.indexOf(tc.axes()[a])];
      }
      assertEquals(s.shardId(pieces), s.shardOfDevice(device), "device " + device);
    }
  }

  // ---- sparse rows ----

  @ParameterizedTest
  @MethodSource("cases")
  void sparseRowRoutingAgreesWithDenseSlicing(Case tc) {
    ShardedShape s = tc.sharded();
    if (s.rank() == 0) {
      return;
    }
    float[] wholeF = floats((int) s.numElements());
    double[] wholeD = doubles((int) s.numElements());
    int rowLength = s.rowLength();
    assertEquals(s.shape()[0], s.numRows());
    for (int row = 0; row < s.numRows(); row++) {
      float[] rowF = Arrays.copyOfRange(wholeF, row * rowLength, (row + 1) * rowLength);
      double[] rowD = Arrays.copyOfRange(wholeD, row * rowLength, (row + 1) * rowLength);
      Set<Integer> routed = new HashSet<>();
      int routedElements = 0;
      for (int shard : s.shardsOfRow(row)) {
        routed.add(shard);
        int local = s.localRow(shard, row);
        int[] shardShape = s.shardShape(shard);
        int shardRowLength = s.shardRowLength(shard);
        assertEquals(s.shardLength(shard), shardShape[0] * shardRowLength);
        float[] denseF = s.sliceShard(wholeF, shard);
        double[] denseD = s.sliceShard(wholeD, shard);
        String where = "row " + row + " in shard " + shard;
        assertArrayEquals(
            Arrays.copyOfRange(denseF, local * shardRowLength, (local + 1) * shardRowLength),
            s.sliceRow(rowF, shard),
            where);
        assertArrayEquals(
            Arrays.copyOfRange(denseD, local * shardRowLength, (local + 1) * shardRowLength),
            s.sliceRow(rowD, shard),
            where);
        routedElements += shardRowLength;
      }
      assertEquals(rowLength, routedElements, "row " + row + " is split without overlap");
      for (int shard = 0; shard < s.numShards(); shard++) {
        if (!routed.contains(shard)) {
          int other = shard;
          int r = row;
          assertThrows(IllegalArgumentException.class, () -> s.localRow(other, r));
        }
      }
    }
  }

  @Test
  void shardsOfRowDependsOnWhichAxesAreSharded() {
    ShardedShape both = ShardedShape.of(Layout.of(MESH_2X2, "model", "batch"), 9, 4);
    assertArrayEquals(new int[] {0, 1}, both.shardsOfRow(4));
    assertArrayEquals(new int[] {2, 3}, both.shardsOfRow(5));
    assertEquals(1, both.localRow(3, 6));

    ShardedShape rows = ShardedShape.of(Layout.of(MESH_2X2, "model", U), 9, 4);
    assertArrayEquals(new int[] {1}, rows.shardsOfRow(8));
    assertEquals(3, rows.localRow(1, 8));

    ShardedShape columns = ShardedShape.of(Layout.of(MESH_2X2, U, "model"), 9, 5);
    assertArrayEquals(new int[] {0, 1}, columns.shardsOfRow(8));
    assertEquals(8, columns.localRow(1, 8));
    float[] row = {10, 11, 12, 13, 14};
    assertArrayEquals(new float[] {10, 11, 12}, columns.sliceRow(row, 0));
    assertArrayEquals(new float[] {13, 14}, columns.sliceRow(row, 1));
  }

  @Test
  void rowOfAThreeAxisTensorIsSlicedOnBothTrailingAxes() {
    ShardedShape s = ShardedShape.of(Layout.of(Mesh.parse("a=2,b=2"), U, "a", "b"), 2, 3, 3);
    double[] row = {0, 1, 2, 3, 4, 5, 6, 7, 8}; // a 3x3 block
    assertArrayEquals(new double[] {0, 1, 3, 4}, s.sliceRow(row, 0));
    assertArrayEquals(new double[] {2, 5}, s.sliceRow(row, 1));
    assertArrayEquals(new double[] {6, 7}, s.sliceRow(row, 2));
    assertArrayEquals(new double[] {8}, s.sliceRow(row, 3));
  }

  // ---- validation ----

  @Test
  void indexArgumentsAreValidatedWithTheirRange() {
    ShardedShape s = ShardedShape.of(Layout.of(MESH_2X2, "model", "batch"), 9, 4);
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> s.shardShape(4)),
        "shardId must be in [0, 4), got 4");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> s.shardOffset(-1)),
        "shardId must be in [0, 4), got -1");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> s.pieceStart(2, 0)),
        "axis must be in [0, 2), got 2");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> s.pieceLength(0, 2)),
        "piece must be in [0, 2), got 2");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> s.pieceOf(1, 4)),
        "index must be in [0, 4), got 4");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> s.shardsOfRow(9)),
        "row must be in [0, 9), got 9");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> s.localRow(0, 5)),
        "row must be in [0, 5) to be held by shard 0, got 5",
        "[2, 3]");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> s.shardId(0, 2)),
        "piece on axis 1 must be in [0, 2), got 2");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> s.shardId(0)),
        "expected 2 piece indices",
        "got 1");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> s.shardOfDevice(4)),
        "deviceId must be in [0, 4), got 4");
  }

  @Test
  void arrayLengthsAreValidated() {
    ShardedShape s = ShardedShape.of(Layout.of(MESH_2X2, "model", "batch"), 9, 4);
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> s.sliceShard(new float[35], 0)),
        "whole array has length 35, expected 36",
        "[9, 4]");
    assertContains(
        assertThrows(
            IllegalArgumentException.class,
            () -> s.assembleShard(new double[9], 2, new double[36])),
        "shard array has length 9, expected 8",
        "shard 2",
        "[4, 2]");
    assertContains(
        assertThrows(
            IllegalArgumentException.class,
            () -> s.assembleShard(new float[8], 2, new float[37])),
        "whole array has length 37, expected 36");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> s.sliceRow(new float[3], 0)),
        "row array has length 3, expected 4");
  }

  @Test
  void shapeMustMatchLayout() {
    Layout layout = Layout.of(MESH_2X2, "model", "batch");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> ShardedShape.of(layout, 9)),
        "has rank 2",
        "[9] has rank 1");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> ShardedShape.of(layout, 9, -4)),
        "length -4 on axis 1");
  }

  @Test
  void wholeTensorMayExceedAnArrayButShardsMayNot() {
    Mesh mesh = Mesh.parse("model=8");
    ShardedShape big = ShardedShape.of(Layout.of(mesh, "model", U), 100_000, 100_000);
    assertEquals(10_000_000_000L, big.numElements());
    assertEquals(1_250_000_000, big.shardLength(7));
    assertArrayEquals(new int[] {87_500, 0}, big.shardOffset(7));
    assertEquals(7, big.pieceOf(0, 99_999));
    assertContains(
        assertThrows(
            IllegalArgumentException.class,
            () -> ShardedShape.of(Layout.of(mesh, U, U), 100_000, 100_000)),
        "shards of shape [100000, 100000], more than 2147483647 elements",
        "expected at most 2147483647");
    int big3 = 2_000_000_000;
    assertContains(
        assertThrows(
            IllegalArgumentException.class,
            () -> ShardedShape.of(Layout.of(mesh, "model", U, U), big3, big3, big3)),
        "shards of shape [250000000, 2000000000, 2000000000]");
    ShardedShape empty = ShardedShape.of(Layout.of(mesh, "model", U, U), big3, 0, big3);
    assertEquals(0, empty.numElements());
    assertEquals(0, empty.shardLength(0));
  }

  @Test
  void valueSemanticsAndSerialization() throws Exception {
    ShardedShape s = ShardedShape.of(Layout.of(MESH_2X2, "model", "batch"), 9, 4);
    ShardedShape same =
        ShardedShape.of(Layout.of(Mesh.parse("batch=2,model=2"), "model", "batch"), 9, 4);
    assertEquals(s, same);
    assertEquals(s.hashCode(), same.hashCode());
    assertNotEquals(s, ShardedShape.of(Layout.of(MESH_2X2, "model", "batch"), 9, 5));
    assertNotEquals(s, ShardedShape.of(Layout.of(MESH_2X2, "batch", "model"), 9, 4));
    assertEquals(
        "ShardedShape[shape=[9, 4], layout=[\"model\", \"batch\"], mesh=batch=2,model=2, shards=4]",
        s.toString());
    ShardedShape copy = SerializationSupport.roundTrip(s);
    assertEquals(s, copy);
    assertArrayEquals(s.sliceShard(floats(36), 1), copy.sliceShard(floats(36), 1));

    int[] shape = {9, 4};
    ShardedShape fromArray = ShardedShape.of(Layout.of(MESH_2X2, "model", "batch"), shape);
    shape[0] = 1;
    fromArray.shape()[1] = 1;
    assertArrayEquals(new int[] {9, 4}, fromArray.shape());
  }

  @Test
  void globalIndicesNameWhereEachShardElementLivesInTheWholeTensor() {
    for (ShardedShape s : List.of(ShardedShape.of(Layout.of(MESH_2X2, "model", "batch"), 9, 4),
        ShardedShape.of(Layout.of(MESH_2X2, U, "model"), 3, 5), ShardedShape.of(Layout.of(MESH_2X2, "batch"), 7),
        ShardedShape.of(Layout.of(Mesh.parse("a=2,b=3"), "b", U, "a"), 4, 2, 5))) {
      double[] whole = new double[(int) s.numElements()];
      for (int i = 0; i < whole.length; i++) {
        whole[i] = i;
      }
      for (int shard = 0; shard < s.numShards(); shard++) {
        double[] local = s.sliceShard(whole, shard);
        int[] positions = new int[local.length];
        for (int k = 0; k < positions.length; k++) {
          positions[k] = k;
        }
        int[] global = s.globalIndices(shard, positions);
        for (int k = 0; k < local.length; k++) {
          assertEquals((int) local[k], global[k], s + " shard " + shard + " element " + k);
        }
      }
    }
    assertThrows(IllegalArgumentException.class,
        () -> ShardedShape.of(Layout.of(MESH_2X2, "batch"), 7).globalIndices(0, new int[] {4}));
  }
}
