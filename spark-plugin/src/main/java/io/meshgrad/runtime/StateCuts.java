package io.meshgrad.runtime;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lineage cuts of a sharded state in meshgrad's own checkpoint format, under the SparkContext's
 * checkpoint directory: at a partition's first cut all its chunks (a base), at later cuts only the
 * chunks written since its previous cut (which each {@link VariableShard} knows: its chunks are
 * copy-on-write, see {@link VariableShard#changedSinceCut(int)}), and per cut a small manifest
 * naming, for each chunk, the cut whose file holds its newest version. Files, in {@code
 * <checkpoint dir>/meshgrad-state-<uuid>/}:
 * <pre>
 *   p00003-c000007.chunks    partition 3's chunks written at cut 7: "MGS1", partition, cut, tensors;
 *                            per tensor its chunk ids, then their elements (little-endian)
 *   p00003-c000007.manifest  partition 3 at cut 7: "MGM1", partition, cut, variable, shard, tensors;
 *                            per tensor (the value, then the slots) name, dtype, shape and the cut
 *                            of each chunk, run-length coded
 * </pre>
 * ({@link CutFileNames}, {@link ChunkFile}, {@link CutManifest}). Each file is written under a
 * temporary name and renamed into place ({@link AtomicFile}). A cut is one job whose task per
 * partition writes its files ({@link CutWrite}); the state after a cut is an RDD without parents
 * whose partition {@code p} reads its shard from those files ({@link CutRead}). The cut's task
 * hands the shard it wrote to that RDD's cached partition ({@link CutHandOff}), so a cut reads
 * nothing back unless a partition is lost. This class is the driver's side: it runs the cut's job
 * and keeps what each partition has on disk ({@link PartitionCutFiles}). Once
 * a cut succeeded, the files no partition's newest manifest refers to are deleted; when a
 * partition's chunk files since its base would hold more than half its shard's bytes, the cut
 * writes a new base instead (compaction). {@link #close} deletes the directory.
 */
final class StateCuts implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StateCuts.class);
  /** A partition's chunk files since its base may hold up to this fraction of its shard's bytes. */
  static final double COMPACT_AT = 0.5;

  private final JavaSparkContext jsc;
  private final Path dir;
  private final SerializableHadoopConf conf;
  private int cuts;
  private final List<PartitionCutFiles> partitions = new ArrayList<>();
  private Summary last;

  /**
   * What the last cut wrote: its number, the state's partitions, how many wrote a base, bytes of
   * chunk files and of manifests, chunks written out of all chunks, and the state's element bytes.
   */
  record Summary(int cut, int partitions, int bases, long chunkBytes, long manifestBytes, long chunksWritten,
      long chunks, long stateBytes, List<Written> perPartition) {}

  /** Cuts under {@code checkpointDir} (a Hadoop path). */
  StateCuts(JavaSparkContext jsc, String checkpointDir) {
    this.jsc = jsc;
    this.dir = new Path(checkpointDir, "meshgrad-state-" + UUID.randomUUID());
    this.conf = new SerializableHadoopConf(jsc.hadoopConfiguration());
  }

  /** The directory of this state's files. */
  Path directory() {
    return dir;
  }

  /** What the last cut wrote, or {@code null} before the first. */
  Summary lastCut() {
    return last;
  }

  /**
   * Writes {@code state}'s cut (one job) and returns the state that reads it back: persisted and
   * computed (its partitions are the shards just written, not read back). Then deletes the files
   * no partition refers to any more.
   *
   * @throws RuntimeException the job's failure, with this cut's files deleted and nothing changed
   */
  JavaRDD<VariableShard> cut(JavaRDD<VariableShard> state, String what) {
    int n = state.getNumPartitions();
    int cut = cuts + 1;
    int[] manifestCut = new int[n];
    long[] sinceBase = new long[n];
    for (int p = 0; p < n; p++) {
      PartitionCutFiles f = p < partitions.size() ? partitions.get(p) : null;
      manifestCut[p] = f == null ? -1 : f.manifestCut;
      sinceBase[p] = f == null ? 0 : f.bytesSinceBase();
    }
    String d = dir.toString();
    JavaRDD<Written> writes = StepJobs.mapPartitionsWithIndex(state,
        new CutWrite(d, conf, cut, manifestCut, sinceBase), true);
    List<Integer> ids = new ArrayList<>(n);
    for (int p = 0; p < n; p++) {
      ids.add(p);
    }
    JavaRDD<VariableShard> next = StepJobs.mapPartitionsWithIndex(jsc.parallelize(ids, n), new CutRead(d, conf, cut), true)
        .persist(StorageLevel.MEMORY_AND_DISK());
    next.setName("meshgrad state (" + what + ", cut " + cut + ")");
    List<Written> written;
    try {
      // the writing side first: ZippedPartitionsRDD2.compute evaluates its first RDD's iterator (our
      // write, eager) before its second's (the new state's cached partition, which takes the shard
      // from CutHandOff); see CutHandOff for why the hand-over cannot avoid this order
      written = StepJobs.collect(StepJobs.zipPartitions(writes, next, (w, r) -> {
        while (r.hasNext()) {
          r.next();
        }
        return w;
      }));
      if (written.size() != n) {
        throw new IllegalStateException("meshgrad: the state's cut " + cut + " wrote " + written.size() + " of " + n
            + " partitions");
      }
    } catch (Throwable e) { // Spark's failures (SparkException) are checked exceptions Scala throws undeclared
      next.unpersist(false);
      deleteCut(cut);
      throw e;
    }
    cuts = cut;
    adopt(written);
    return next;
  }

  /** Takes a successful cut's files as the partitions' newest and deletes what no manifest refers to now. */
  private void adopt(List<Written> written) {
    int bases = 0;
    long chunkBytes = 0;
    long manifestBytes = 0;
    long chunksWritten = 0;
    long chunks = 0;
    long stateBytes = 0;
    List<Path> obsolete = new ArrayList<>();
    for (Written w : written) {
      while (partitions.size() <= w.partition) {
        partitions.add(new PartitionCutFiles());
      }
      PartitionCutFiles f = partitions.get(w.partition);
      if (f.manifestCut >= 0) {
        obsolete.add(CutFileNames.manifest(dir, w.partition, f.manifestCut));
      }
      f.manifestCut = w.cut;
      if (w.chunkBytes > 0) {
        f.chunkFiles.put(w.cut, w.chunkBytes);
      }
      if (w.base) {
        f.baseCut = w.cut;
        bases++;
      }
      TreeSet<Integer> referenced = new TreeSet<>();
      for (int c : w.referencedCuts) {
        referenced.add(c);
      }
      for (Iterator<Integer> it = f.chunkFiles.keySet().iterator(); it.hasNext(); ) {
        int c = it.next();
        if (!referenced.contains(c)) {
          obsolete.add(CutFileNames.chunks(dir, w.partition, c));
          it.remove();
        }
      }
      chunkBytes += w.chunkBytes;
      manifestBytes += w.manifestBytes;
      chunksWritten += w.chunksWritten;
      chunks += w.chunks;
      stateBytes += w.shardBytes;
    }
    last = new Summary(cuts, written.size(), bases, chunkBytes, manifestBytes, chunksWritten, chunks, stateBytes,
        List.copyOf(written));
    LOG.info("meshgrad state cut {}: {} chunk bytes and {} manifest bytes for a {}-byte state ({} of {} chunks, {} of {} "
        + "partitions a base) in {}", cuts, chunkBytes, manifestBytes, stateBytes, chunksWritten, chunks, bases,
        written.size(), dir);
    try {
      FileSystem fs = dir.getFileSystem(conf.get());
      for (Path p : obsolete) {
        fs.delete(p, false);
      }
    } catch (IOException e) {
      LOG.warn("could not delete superseded state cut files in {}: {}", dir, e.getMessage());
    }
  }

  /** Deletes every file of cut {@code cut} (a failed one). */
  private void deleteCut(int cut) {
    try {
      FileSystem fs = dir.getFileSystem(conf.get());
      if (!fs.exists(dir)) {
        return;
      }
      for (FileStatus s : fs.listStatus(dir)) {
        if (CutFileNames.ofCut(s.getPath().getName(), cut)) {
          fs.delete(s.getPath(), false);
        }
      }
    } catch (IOException e) {
      LOG.warn("could not delete the files of the failed state cut {} in {}: {}", cut, dir, e.getMessage());
    }
  }

  /** Deletes this state's directory with every cut's files. */
  @Override
  public void close() {
    try {
      dir.getFileSystem(conf.get()).delete(dir, true);
    } catch (IOException e) {
      LOG.warn("could not delete the state cuts in {}: {}", dir, e.getMessage());
    }
    partitions.clear();
  }

  /** Partition {@code partition}'s chunk file of cut {@code cut} ({@link CutFileNames}). */
  static Path chunksPath(Path dir, int partition, int cut) {
    return CutFileNames.chunks(dir, partition, cut);
  }

  /** Partition {@code partition}'s manifest at cut {@code cut} ({@link CutFileNames}). */
  static Path manifestPath(Path dir, int partition, int cut) {
    return CutFileNames.manifest(dir, partition, cut);
  }

  /**
   * What a cut's task wrote for its partition: whether a base, the chunk file's bytes (0: none
   * written) and the element bytes in it, the manifest's bytes, chunks written of all (counting
   * the value's and each slot's), the shard's element bytes, the cuts its manifest refers to.
   */
  static final class Written implements Serializable {
    private static final long serialVersionUID = 1L;
    final int partition;
    final int cut;
    final boolean base;
    final long chunkBytes;
    final long dataBytes;
    final long manifestBytes;
    final long chunksWritten;
    final long chunks;
    final long shardBytes;
    final int[] referencedCuts;

    Written(int partition, int cut, boolean base, long chunkBytes, long dataBytes, long manifestBytes,
        long chunksWritten, long chunks, long shardBytes, int[] referencedCuts) {
      this.partition = partition;
      this.cut = cut;
      this.base = base;
      this.chunkBytes = chunkBytes;
      this.dataBytes = dataBytes;
      this.manifestBytes = manifestBytes;
      this.chunksWritten = chunksWritten;
      this.chunks = chunks;
      this.shardBytes = shardBytes;
      this.referencedCuts = referencedCuts;
    }
  }
}
