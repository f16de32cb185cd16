package io.meshgrad.examples.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.spark.SparkContext;

/**
 * A checkpoint directory for a suite's sharded runs, as a production job on a cluster should set
 * one: a sharded state's lineage is cut every 10 steps, and with a checkpoint directory the cut
 * writes the state there; without one it would bring every shard and slot to the driver. Creates
 * a temporary directory when the context has none, and deletes it on {@link #close()}.
 */
final class BenchCheckpoints implements AutoCloseable {
  private final Path created;

  private BenchCheckpoints(Path created) {
    this.created = created;
  }

  /** The context's checkpoint directory if it has one, else a new temporary one set on it. */
  static BenchCheckpoints ensure(SparkContext sc) throws IOException {
    if (sc.getCheckpointDir().isDefined()) {
      return new BenchCheckpoints(null);
    }
    Path dir = Files.createTempDirectory("meshgrad-bench-checkpoints");
    sc.setCheckpointDir(dir.toString());
    return new BenchCheckpoints(dir);
  }

  /** Deletes the directory this created (the context keeps pointing at it: one suite per process). */
  @Override
  public void close() {
    if (created == null) {
      return;
    }
    try (Stream<Path> files = Files.walk(created)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete the bench checkpoints in " + created, e);
    }
  }
}
