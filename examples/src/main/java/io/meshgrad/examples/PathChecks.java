package io.meshgrad.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks on the local paths a command reads and writes, made before Spark starts, so that a typo
 * costs no session and leaves nothing behind. Paths with another scheme ({@code hdfs:}, {@code
 * s3a:}, {@code dbfs:}) and globs are left to Spark, whose errors are reported in one line too.
 */
final class PathChecks {
  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*");

  private PathChecks() {}

  /** The local file system path {@code path} names, or null when it is not a plain local path. */
  static Path local(String path) {
    String p = path;
    if (p.startsWith("file://")) {
      p = p.substring("file://".length());
    } else if (p.startsWith("file:")) {
      p = p.substring("file:".length());
    } else if (SCHEME.matcher(p).matches()) {
      return null;
    }
    if (p.isEmpty() || p.chars().anyMatch(c -> "*?[{".indexOf(c) >= 0)) {
      return null;
    }
    return Path.of(p);
  }

  /** Input that Spark will read: a local file or directory must exist and be readable. */
  static void readable(String flag, String path) {
    Path p = local(path);
    if (p == null) {
      return;
    }
    if (!Files.exists(p)) {
      throw new InputException(flag + " " + path + ": no such file or directory");
    }
    if (!Files.isReadable(p) || (Files.isDirectory(p) && !Files.isExecutable(p))) {
      throw new InputException(flag + " " + path + ": not readable (permission denied)");
    }
  }

  /**
   * A directory the command will create and fill. It must not exist, or be an empty directory,
   * unless {@code mayHoldOutputs} (then its files are replaced); the nearest existing folder above
   * it must be writable.
   */
  static void writableDirectory(String flag, String path, boolean mayHoldOutputs, String howToReplace) {
    Path p = local(path);
    if (p == null) {
      return;
    }
    if (Files.exists(p)) {
      if (!Files.isDirectory(p)) {
        throw new InputException(flag + " " + path + ": is a file; allowed: a new or empty directory");
      }
      if (!Files.isWritable(p)) {
        throw new InputException(flag + " " + path + ": the directory is not writable (permission denied)");
      }
      if (!mayHoldOutputs && !isEmpty(p)) {
        throw new InputException(flag + " " + path + ": the directory exists and is not empty; allowed: a new or"
            + " empty directory" + (howToReplace == null ? "" : ", or " + howToReplace));
      }
      return;
    }
    Path ancestor = p.toAbsolutePath().getParent();
    while (ancestor != null && !Files.exists(ancestor)) {
      ancestor = ancestor.getParent();
    }
    if (ancestor == null || !Files.isDirectory(ancestor)) {
      throw new InputException(flag + " " + path + ": cannot be created (" + ancestor + " is not a directory)");
    }
    if (!Files.isWritable(ancestor) || !Files.isExecutable(ancestor)) {
      throw new InputException(flag + " " + path + ": cannot be created (" + ancestor
          + " is not writable: permission denied)");
    }
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (java.io.IOException e) {
      throw new InputException("cannot list " + dir + ": " + e.getMessage());
    }
  }
}
