package io.meshgrad.mesh;

import static io.meshgrad.mesh.MeshTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LayoutTest {
  private static final Mesh MESH = Mesh.parse("batch=2,model=3");

  @Test
  void entriesAndQueries() {
    Layout layout = Layout.of(MESH, "model", Layout.UNSHARDED, "batch");
    assertEquals(3, layout.rank());
    assertEquals(MESH, layout.mesh());
    assertEquals(List.of("model", "unsharded", "batch"), layout.axes());
    assertEquals(Optional.of("model"), layout.shardingDimension(0));
    assertEquals(Optional.empty(), layout.shardingDimension(1));
    assertEquals(Optional.of("batch"), layout.shardingDimension(2));
    assertEquals(3, layout.numPieces(0));
    assertEquals(1, layout.numPieces(1));
    assertEquals(2, layout.numPieces(2));
    assertEquals(6, layout.numShards());
    assertFalse(layout.isFullyReplicated());
  }

  @Test
  void toStringIsJsonArrayAndReadsBack() {
    Layout layout = Layout.of(MESH, "model", "unsharded");
    assertEquals("[\"model\", \"unsharded\"]", layout.toString());
    assertEquals(layout, Layout.fromJson(MESH, layout.toString()));
    assertEquals("[]", Layout.of(MESH).toString());
    assertEquals(Layout.of(MESH), Layout.fromJson(MESH, "[]"));
    assertEquals(layout, Layout.of(MESH, List.of("model", "unsharded")));
  }

  @Test
  void replicated() {
    Layout layout = Layout.replicated(MESH, 2);
    assertEquals(List.of("unsharded", "unsharded"), layout.axes());
    assertTrue(layout.isFullyReplicated());
    assertEquals(1, layout.numShards());
    assertTrue(Layout.replicated(MESH, 0).isFullyReplicated());
    assertEquals(0, Layout.replicated(MESH, 0).rank());
  }

  @Test
  void batchSharded() {
    assertEquals(
        List.of("batch", "unsharded", "unsharded"), Layout.batchSharded(MESH, "batch", 3).axes());
    assertEquals(List.of("model"), Layout.batchSharded(MESH, "model", 1).axes());
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> Layout.batchSharded(MESH, "batch", 0)),
        "rank must be >= 1, got 0");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> Layout.batchSharded(MESH, "data", 2)),
        "'data'");
  }

  @Test
  void defaultForShardsAxisZeroOnFirstNonBatchDimension() {
    assertEquals(List.of("model", "unsharded"), Layout.defaultFor(MESH, 2).axes());
    assertEquals(List.of("model"), Layout.defaultFor(MESH, 1).axes());
    assertEquals(
        List.of("x", "unsharded", "unsharded"),
        Layout.defaultFor(Mesh.parse("batch=2,x=2,y=2"), 3).axes());
    assertEquals(List.of("x", "unsharded"), Layout.defaultFor(Mesh.parse("x=2,y=2"), 2).axes());
    Mesh noBatch = MESH.withoutBatchDimension();
    assertEquals(List.of("batch", "unsharded"), Layout.defaultFor(noBatch, 2).axes());
  }

  @Test
  void defaultForIsReplicatedWithoutNonBatchDimensionOrForScalars() {
    assertEquals(Layout.replicated(MESH, 0), Layout.defaultFor(MESH, 0));
    Mesh batchOnly = Mesh.parse("batch=4");
    assertEquals(Layout.replicated(batchOnly, 2), Layout.defaultFor(batchOnly, 2));
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> Layout.defaultFor(MESH, -1)),
        "rank must be >= 0, got -1");
  }

  @Test
  void unknownDimensionIsRejectedListingAllowedValues() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Layout.of(MESH, "unsharded", "modle"));
    assertContains(
        e,
        "unknown mesh dimension 'modle'",
        "on axis 1",
        "'batch', 'model', 'unsharded'",
        "batch=2,model=3");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> Layout.of(MESH, (String) null)),
        "unknown mesh dimension null");
  }

  @Test
  void unshardedIsCaseSensitiveLikeDTensor() {
    assertThrows(IllegalArgumentException.class, () -> Layout.of(MESH, "UNSHARDED"));
  }

  @Test
  void sameDimensionOnTwoAxesIsRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Layout.of(MESH, "model", "unsharded", "model"));
    assertContains(e, "axes 0 and 2", "'model'", "at most one axis");
  }

  @Test
  void rankMismatchWithShapeIsRejected() {
    Layout layout = Layout.of(MESH, "model", "unsharded");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> layout.checkShape(new int[] {4}));
    assertContains(e, "has rank 2", "[4] has rank 1", "expected a shape of rank 2");
    layout.checkShape(new int[] {4, 0});
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> layout.checkShape(new int[] {4, -1})),
        "length -1 on axis 1",
        ">= 0");
  }

  @Test
  void fromJsonRejectsNonArraysAndNonStrings() {
    assertContains(
        assertThrows(
            IllegalArgumentException.class, () -> Layout.fromJson(MESH, "{\"0\": \"model\"}")),
        "expected a layout as a JSON array of strings");
    assertContains(
        assertThrows(
            IllegalArgumentException.class, () -> Layout.fromJson(MESH, "[\"model\", 3]")),
        "layout axis 1 is 3 (a JSON number)",
        "'batch', 'model', 'unsharded'");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> Layout.fromJson(MESH, "[\"model\"")),
        "cannot read layout from JSON");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> Layout.fromJson(MESH, "[\"x\"]")),
        "unknown mesh dimension 'x'");
  }

  @Test
  void shardingDimensionValidatesAxis() {
    Layout layout = Layout.of(MESH, "model");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> layout.shardingDimension(1)),
        "axis must be in [0, 1), got 1");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> layout.shardingDimension(-1)),
        "got -1");
  }

  @Test
  void equalityIncludesMesh() {
    Layout layout = Layout.of(MESH, "model", "unsharded");
    Layout same = Layout.of(Mesh.parse("batch=2,model=3"), "model", "unsharded");
    assertEquals(layout, same);
    assertEquals(layout.hashCode(), same.hashCode());
    assertNotEquals(layout, Layout.of(Mesh.parse("batch=2,model=2"), "model", "unsharded"));
    assertNotEquals(layout, Layout.of(MESH, "unsharded", "model"));
  }

  @Test
  void ofCopiesItsArray() {
    String[] axes = {"model", "unsharded"};
    Layout layout = Layout.of(MESH, axes);
    axes[0] = "batch";
    assertEquals(Optional.of("model"), layout.shardingDimension(0));
  }

  @Test
  void survivesJavaSerialization() throws Exception {
    Layout layout = Layout.of(MESH, "batch", "model");
    assertEquals(layout, SerializationSupport.roundTrip(layout));
  }
}
