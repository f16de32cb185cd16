package io.meshgrad.examples.bench;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the bundled {@code data/} folder (a9a) wherever {@code bin/meshgrad} is run from, in this
 * order: {@code --data-dir DIR}; {@code $MESHGRAD_HOME/data}; the {@code meshgrad.data.dir} system
 * property (set by the test runner); the repository of the running code ({@code
 * examples/target/<jar or classes>} → {@code ../../data}); {@code ./data}.
 */
final class DataDir {
  private DataDir() {}

  static Path resolve(Path option) {
    List<Path> tried = new ArrayList<>();
    if (option != null) {
      return check(option, "--data-dir");
    }
    String home = System.getenv("MESHGRAD_HOME");
    if (home != null && !home.isBlank()) {
      return check(Path.of(home).resolve("data"), "$MESHGRAD_HOME/data");
    }
    String property = System.getProperty("meshgrad.data.dir");
    if (property != null && !property.isBlank()) {
      return check(Path.of(property), "-Dmeshgrad.data.dir");
    }
    Path fromCode = fromCodeLocation();
    if (fromCode != null) {
      if (Files.isDirectory(fromCode.resolve("a9a"))) {
        return fromCode;
      }
      tried.add(fromCode);
    }
    Path cwd = Path.of("data").toAbsolutePath();
    if (Files.isDirectory(cwd.resolve("a9a"))) {
      return cwd;
    }
    tried.add(cwd);
    throw new IllegalArgumentException("cannot find the bundled data folder (with a9a/ in it); tried " + tried
        + ": pass --data-dir DIR or set MESHGRAD_HOME to the repository root");
  }

  private static Path check(Path dir, String source) {
    if (!Files.isDirectory(dir.resolve("a9a"))) {
      throw new IllegalArgumentException(source + " must name a folder holding a9a/, got " + dir.toAbsolutePath());
    }
    return dir;
  }

  /** {@code <repo>/data} when this class runs from {@code <repo>/examples/target/...}. */
  private static Path fromCodeLocation() {
    try {
      var source = DataDir.class.getProtectionDomain().getCodeSource();
      if (source == null) {
        return null;
      }
      Path p = Path.of(source.getLocation().toURI()).toAbsolutePath();
      for (Path dir = p; dir != null; dir = dir.getParent()) {
        if (dir.getFileName() != null && dir.getFileName().toString().equals("target")) {
          Path examples = dir.getParent();
          return examples == null || examples.getParent() == null ? null : examples.getParent().resolve("data");
        }
      }
      return null;
    } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
      return null;
    }
  }
}
