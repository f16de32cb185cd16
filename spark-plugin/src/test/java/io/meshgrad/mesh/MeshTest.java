package io.meshgrad.mesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MeshTest {

  @Test
  void parseKeepsOrderAndSizes() {
    Mesh mesh = Mesh.parse("batch=4,model=2");
    assertEquals(List.of("batch", "model"), mesh.dimensionNames());
    assertArrayEquals(new int[] {4, 2}, mesh.sizes());
    assertEquals(4, mesh.size("batch"));
    assertEquals(2, mesh.size("model"));
    assertEquals(2, mesh.numDimensions());
    assertEquals(8, mesh.numDevices());
    assertEquals(1, mesh.indexOf("model"));
    assertTrue(mesh.contains("model"));
    assertEquals(false, mesh.contains("data"));
  }

  @Test
  void parseToleratesWhitespaceAndToStringGivesSpecBack() {
    Mesh mesh = Mesh.parse("  batch = 4 ,\tmodel=2 ");
    assertEquals("batch=4,model=2", mesh.toString());
    assertEquals(mesh, Mesh.parse(mesh.toString()));
    assertEquals("model=3", Mesh.parse("model=3").toString());
  }

  @Test
  void batchDimensionDefaultsToTheOneNamedBatch() {
    Mesh mesh = Mesh.parse("model=2,batch=4");
    assertEquals(Optional.of("batch"), mesh.batchDimension());
    assertEquals(4, mesh.batchSize());
    assertEquals(Optional.of("model"), mesh.firstNonBatchDimension());

    Mesh batchFirst = Mesh.parse("batch=4,x=3,y=2");
    assertEquals(Optional.of("x"), batchFirst.firstNonBatchDimension());
  }

  @Test
  void meshWithoutBatchDimensionHasBatchSizeOne() {
    Mesh mesh = Mesh.parse("x=2,y=3");
    assertEquals(Optional.empty(), mesh.batchDimension());
    assertEquals(1, mesh.batchSize());
    assertEquals(Optional.of("x"), mesh.firstNonBatchDimension());
  }

  @Test
  void meshOfOnlyTheBatchDimensionHasNoNonBatchDimension() {
    Mesh mesh = Mesh.parse("batch=4");
    assertEquals(4, mesh.batchSize());
    assertEquals(Optional.empty(), mesh.firstNonBatchDimension());
  }

  @Test
  void batchDimensionCanBeChosenOrDropped() {
    Mesh data = Mesh.parse("data=4,model=2").withBatchDimension("data");
    assertEquals(Optional.of("data"), data.batchDimension());
    assertEquals(4, data.batchSize());
    assertEquals(Optional.of("model"), data.firstNonBatchDimension());

    Mesh none = Mesh.parse("batch=4,model=2").withoutBatchDimension();
    assertEquals(Optional.empty(), none.batchDimension());
    assertEquals(1, none.batchSize());
    assertEquals(Optional.of("batch"), none.firstNonBatchDimension());

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> data.withBatchDimension("batch"));
    assertContains(e, "'batch'", "[data, model]");
  }

  @Test
  void factoriesAgree() {
    Map<String, Integer> dims = new LinkedHashMap<>();
    dims.put("batch", 2);
    dims.put("model", 3);
    Mesh fromMap = Mesh.of(dims);
    Mesh fromArrays = Mesh.of(new String[] {"batch", "model"}, new int[] {2, 3});
    Mesh fromJson = Mesh.fromJson("{\"batch\": 2, \"model\": 3}");
    Mesh parsed = Mesh.parse("batch=2,model=3");
    assertEquals(parsed, fromMap);
    assertEquals(parsed, fromArrays);
    assertEquals(parsed, fromJson);
    assertEquals(parsed.hashCode(), fromJson.hashCode());
  }

  @Test
  void jsonKeepsOrder() {
    Mesh mesh = Mesh.fromJson("{\"model\": 2, \"batch\": 4}");
    assertEquals(List.of("model", "batch"), mesh.dimensionNames());
    assertEquals("model=2,batch=4", mesh.toString());
    assertEquals(Optional.of("batch"), mesh.batchDimension());
  }

  @Test
  void equalityDependsOnOrderSizesAndBatchDimension() {
    Mesh mesh = Mesh.parse("batch=2,model=2");
    assertNotEquals(mesh, Mesh.parse("model=2,batch=2"));
    assertNotEquals(mesh, Mesh.parse("batch=2,model=3"));
    assertNotEquals(mesh, mesh.withoutBatchDimension());
    assertEquals(mesh, mesh.withoutBatchDimension().withBatchDimension("batch"));
  }

  @Test
  void factoryCopiesItsArrays() {
    String[] names = {"batch", "model"};
    int[] sizes = {2, 2};
    Mesh mesh = Mesh.of(names, sizes);
    names[0] = "other";
    sizes[0] = 7;
    mesh.sizes()[1] = 9;
    assertEquals("batch=2,model=2", mesh.toString());
  }

  @Test
  void devicesAreNumberedRowMajor() {
    Mesh mesh = Mesh.parse("batch=3,model=2");
    assertArrayEquals(new int[] {0, 0}, mesh.deviceCoordinates(0));
    assertArrayEquals(new int[] {0, 1}, mesh.deviceCoordinates(1));
    assertArrayEquals(new int[] {1, 0}, mesh.deviceCoordinates(2));
    assertArrayEquals(new int[] {2, 1}, mesh.deviceCoordinates(5));
    for (int d = 0; d < mesh.numDevices(); d++) {
      assertEquals(d, mesh.deviceId(mesh.deviceCoordinates(d)));
    }
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> mesh.deviceCoordinates(6)),
        "[0, 6)",
        "got 6");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> mesh.deviceId(0, 2)),
        "'model'",
        "[0, 2)",
        "got 2");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> mesh.deviceId(0)),
        "expected 2",
        "got 1");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "''                      | at least one",
        "'   '                   | at least one",
        "batch                   | entry 1 is 'batch'",
        "batch=four              | entry 1 is 'batch=four'",
        "batch=4=2               | entry 1 is 'batch=4=2'",
        "batch 4                 | entry 1 is 'batch 4'",
        "'batch=4,,model=2'      | entry 2 is ''",
        "'batch=4,'              | entry 2 is ''",
        "'batch=4;model=2'       | entry 1 is 'batch=4;model=2'",
        "batch=0                 | has size 0; expected a size >= 1",
        "batch=-3                | has size -3; expected a size >= 1",
        "batch=99999999999       | has size 99999999999; expected an integer between 1 and",
        "'batch=2,batch=2'       | duplicate mesh dimension 'batch'",
        "1x=2                    | invalid mesh dimension name '1x'",
        "a-b=2                   | invalid mesh dimension name 'a-b'",
        "unsharded=2             | reserved",
        "'a=65536,b=65536'       | more than 2147483647 devices",
      })
  void parseRejectsBadSpecs(String spec, String expectedMessagePart) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Mesh.parse(spec));
    assertContains(e, expectedMessagePart);
  }

  @Test
  void unparsableSpecMessageShowsSpecAndExpectedForm() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Mesh.parse("batch:4"));
    assertContains(e, "'batch:4'", "name=size", "'batch=4,model=2'");
  }

  @Test
  void badNameMessageShowsAllowedPattern() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Mesh.of(new String[] {"a.b"}, new int[] {2}));
    assertContains(e, "'a.b'", "[A-Za-z_][A-Za-z0-9_]*");
  }

  @Test
  void namesWithUnderscoresAndDigitsAreAllowed() {
    Mesh mesh = Mesh.parse("_x=2,Model_2=3");
    assertEquals(List.of("_x", "Model_2"), mesh.dimensionNames());
  }

  @Test
  void ofRejectsMismatchedArraysAndEmptyMesh() {
    assertContains(
        assertThrows(
            IllegalArgumentException.class,
            () -> Mesh.of(new String[] {"a", "b"}, new int[] {2})),
        "2 names",
        "1 sizes");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> Mesh.of(new String[0], new int[0])),
        "at least one dimension");
    assertContains(
        assertThrows(IllegalArgumentException.class, () -> Mesh.of(new LinkedHashMap<>())),
        "at least one dimension");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "'[1, 2]'                           | expected a JSON object",
        "'\"batch=2\"'                      | expected a JSON object",
        "'{\"batch\": \"2\"}'               | has size \"2\" (a JSON string)",
        "'{\"batch\": 2.5}'                 | has size 2.5 (a JSON number)",
        "'{\"batch\": 99999999999}'         | expected an integer between 1 and",
        "'{\"batch\": 0}'                   | has size 0; expected a size >= 1",
        "'{\"batch\": 2, \"batch\": 3}'     | Duplicate field 'batch'",
        "'{\"batch\": 2'                    | cannot read mesh from JSON",
        "'{}'                               | at least one dimension",
        "''                                 | got empty text",
      })
  void fromJsonRejectsBadInput(String json, String expectedMessagePart) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Mesh.fromJson(json));
    assertContains(e, expectedMessagePart);
  }

  @Test
  void unknownDimensionMessageListsDimensions() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Mesh.parse("batch=2,model=2").size("x"));
    assertContains(e, "unknown mesh dimension 'x'", "[batch, model]");
  }

  @Test
  void survivesJavaSerialization() throws Exception {
    Mesh mesh = Mesh.parse("data=4,model=2").withBatchDimension("data");
    Mesh copy = SerializationSupport.roundTrip(mesh);
    assertEquals(mesh, copy);
    assertEquals(Optional.of("data"), copy.batchDimension());
  }

  static void assertContains(Throwable e, String... parts) {
    for (String part : parts) {
      assertTrue(
          e.getMessage() != null && e.getMessage().contains(part),
          () -> "message <" + e.getMessage() + "> should contain <" + part + ">");
    }
  }
}
