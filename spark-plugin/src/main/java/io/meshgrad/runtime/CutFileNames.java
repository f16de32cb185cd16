package io.meshgrad.runtime;

import org.apache.hadoop.fs.Path;

/**
 * The names of a state's cut files in its directory: {@code p00003-c000007.chunks} (partition 3's
 * chunks written at cut 7, a {@link ChunkFile}) and {@code p00003-c000007.manifest} (partition 3's
 * {@link CutManifest} at cut 7).
 */
final class CutFileNames {
  private CutFileNames() {}

  /** Partition {@code partition}'s chunk file of cut {@code cut}. */
  static Path chunks(Path dir, int partition, int cut) {
    return new Path(dir, String.format("p%05d-c%06d.chunks", partition, cut));
  }

  /** Partition {@code partition}'s manifest at cut {@code cut}. */
  static Path manifest(Path dir, int partition, int cut) {
    return new Path(dir, String.format("p%05d-c%06d.manifest", partition, cut));
  }

  /** Whether {@code name} is one of cut {@code cut}'s files (of any partition). */
  static boolean ofCut(String name, int cut) {
    return name.contains(String.format("-c%06d.", cut));
  }
}
