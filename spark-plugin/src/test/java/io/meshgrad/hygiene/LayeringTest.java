package io.meshgrad.hygiene;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The library's packages form layers, bottom to top, as docs/design/dtensor-on-spark.md draws them:
 * a class may use its own package and the packages below it, never one above, so there is no
 * package cycle and every package can be read knowing only those below it.
 */
class LayeringTest {
  /** Bottom to top; a subpackage ({@code runtime.engine}) belongs to its top-level package's layer. */
  static final List<String> LAYERS = List.of(
      "support", "tensor", "schedule", "optimizer", "mesh", "loss", "model", "data", "metrics", "runtime",
      "checkpoint", "train", "conformance", "ml", "plugin");

  /** Packages whose classes run without Spark (the shared helpers, the Keras semantics and the mesh arithmetic). */
  static final List<String> SPARK_FREE = List.of("support", "tensor", "schedule", "optimizer", "mesh");

  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.meshgrad");
  }

  private static String layerOf(JavaClass c) {
    String rest = c.getPackageName().substring("io.meshgrad".length());
    if (rest.isEmpty()) {
      return "";
    }
    return rest.substring(1).split("\\.")[0];
  }

  @Test
  void everyPackageHasALayer() {
    Set<String> unknown = new TreeSet<>();
    for (JavaClass c : classes) {
      if (!LAYERS.contains(layerOf(c))) {
        unknown.add(c.getPackageName());
      }
    }
    assertTrue(unknown.isEmpty(), "packages not in LayeringTest.LAYERS (add each where it belongs, and to the"
        + " architecture drawing in docs/design/dtensor-on-spark.md): " + unknown);
  }

  @Test
  void noPackageImportsUpward() {
    Set<String> upward = new TreeSet<>();
    for (JavaClass c : classes) {
      int from = LAYERS.indexOf(layerOf(c));
      for (Dependency d : c.getDirectDependenciesFromSelf()) {
        JavaClass target = d.getTargetClass();
        if (!target.getPackageName().startsWith("io.meshgrad")) {
          continue;
        }
        int to = LAYERS.indexOf(layerOf(target));
        if (from >= 0 && to > from) {
          upward.add(layerOf(c) + " -> " + layerOf(target) + ": " + c.getSimpleName() + " uses "
              + target.getName());
        }
      }
    }
    assertTrue(upward.isEmpty(), "upward dependencies (layers bottom to top: " + LAYERS + "):\n"
        + String.join("\n", upward));
  }

  @Test
  void noPackageCycle() {
    SlicesRuleDefinition.slices().matching("io.meshgrad.(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void theKerasAndMeshLayersNeedNoSpark() {
    Set<String> found = new TreeSet<>();
    for (JavaClass c : classes) {
      if (!SPARK_FREE.contains(layerOf(c))) {
        continue;
      }
      for (Dependency d : c.getDirectDependenciesFromSelf()) {
        if (d.getTargetClass().getPackageName().startsWith("org.apache.spark")) {
          found.add(c.getName() + " uses " + d.getTargetClass().getName());
        }
      }
    }
    assertTrue(found.isEmpty(), "Spark used in " + SPARK_FREE + ":\n" + String.join("\n", found));
  }
}
