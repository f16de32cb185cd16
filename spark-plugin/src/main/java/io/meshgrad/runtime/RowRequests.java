package io.meshgrad.runtime;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The rows of one variable shard that data partitions ask for, by partition ({@code source}): the
 * shard-local rows each partition's share of a batch touches, increasing, or {@code null} for a
 * partition that needs every row (a dense block). Requests from several partitions merge in
 * partition order ({@link #plus}), so the merged request does not depend on the order in which
 * they arrived. (A class, not a record: Spark's Kryo serializer cannot rebuild records.)
 */
public final class RowRequests implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int[] sources;
  private final int[][] rows;

  private RowRequests(int[] sources, int[][] rows) {
    this.sources = sources;
    this.rows = rows;
  }

  /** Partition {@code source}'s request: {@code localRows} increasing, or {@code null} for every row. */
  public static RowRequests of(int source, int[] localRows) {
    return new RowRequests(new int[] {source}, new int[][] {localRows});
  }

  /** Both requests, in partition order; {@code other} may be {@code null}. */
  public RowRequests plus(RowRequests other) {
    if (other == null) {
      return this;
    }
    int n = sources.length + other.sources.length;
    int[] s = new int[n];
    int[][] r = new int[n][];
    int i = 0;
    int j = 0;
    for (int k = 0; k < n; k++) {
      boolean mine = j >= other.sources.length || (i < sources.length && sources[i] < other.sources[j]);
      if (!mine && i < sources.length && sources[i] == other.sources[j]) {
        throw new IllegalArgumentException("partition " + sources[i] + " asked for rows twice");
      }
      s[k] = mine ? sources[i] : other.sources[j];
      r[k] = mine ? rows[i++] : other.rows[j++];
    }
    return new RowRequests(s, r);
  }

  /** Number of partitions that asked. */
  public int numSources() {
    return sources.length;
  }

  /** The {@code i}-th asking partition, increasing in {@code i}. */
  public int source(int i) {
    return sources[i];
  }

  /** Where partition {@code source} is among the asking partitions, or a negative number if it did not ask. */
  public int indexOf(int source) {
    return Arrays.binarySearch(sources, source);
  }

  /** What the {@code i}-th asking partition asked for: increasing local rows, or {@code null} for every row. */
  public int[] rows(int i) {
    return rows[i];
  }

  /** The increasing distinct rows any partition asked for; {@code null} if one asked for every row. */
  public int[] union() {
    int n = 0;
    for (int[] r : rows) {
      if (r == null) {
        return null;
      }
      n += r.length;
    }
    int[] all = new int[n];
    int at = 0;
    for (int[] r : rows) {
      System.arraycopy(r, 0, all, at, r.length);
      at += r.length;
    }
    Arrays.sort(all);
    int distinct = 0;
    for (int i = 0; i < all.length; i++) {
      if (i == 0 || all[i] != all[i - 1]) {
        all[distinct++] = all[i];
      }
    }
    return Arrays.copyOf(all, distinct);
  }

  /** Bytes of row numbers held. */
  public long byteSize() {
    long n = 4L * sources.length;
    for (int[] r : rows) {
      n += r == null ? 0 : 4L * r.length;
    }
    return n;
  }

  /** Writes {@code requests} (or {@code null}) in the engine's binary form ({@link EngineWire}). */
  static void writeTo(RowRequests requests, EngineWire.Out out) {
    out.putBoolean(requests != null);
    if (requests != null) {
      out.putInts(requests.sources);
      out.putInt(requests.rows.length);
      for (int[] r : requests.rows) {
        out.putInts(r);
      }
    }
  }

  /** Requests {@link #writeTo} wrote, or {@code null}. */
  static RowRequests readFrom(EngineWire.In in) {
    if (!in.getBoolean()) {
      return null;
    }
    int[] sources = in.getInts();
    int[][] rows = new int[in.getInt()][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = in.getInts();
    }
    return new RowRequests(sources, rows);
  }
}
