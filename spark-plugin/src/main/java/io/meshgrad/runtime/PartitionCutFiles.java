package io.meshgrad.runtime;

import java.util.Map;
import java.util.TreeMap;

/**
 * What one state partition has on disk, as the driver knows it: its newest manifest's cut, its
 * base's cut and its live chunk files (cut to bytes).
 */
final class PartitionCutFiles {
  int manifestCut = -1;
  int baseCut = -1;
  final TreeMap<Integer, Long> chunkFiles = new TreeMap<>();

  /** The bytes of the live chunk files written after the base (what compaction bounds). */
  long bytesSinceBase() {
    long n = 0;
    for (Map.Entry<Integer, Long> e : chunkFiles.entrySet()) {
      if (e.getKey() != baseCut) {
        n += e.getValue();
      }
    }
    return n;
  }
}
