package io.meshgrad.runtime;

import io.meshgrad.tensor.DType;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
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
 * Each file is written under a temporary name and renamed into place. The state after a cut is an
 * RDD without parents whose partition {@code p} reads its shard from those files (the manifest of
 * the cut, then each chunk file it names); the cut's job hands the shards it wrote to that RDD's
 * cached partitions in the same task, so a cut reads nothing back unless a partition is lost. Once
 * a cut succeeded, the files no partition's newest manifest refers to are deleted; when a
 * partition's chunk files since its base would hold more than half its shard's bytes, the cut
 * writes a new base instead (compaction). {@link #close} deletes the directory.
 */
final class StateCuts implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StateCuts.class);
  private static final int CHUNKS_MAGIC = 0x4d475331; // "MGS1"
  private static final int MANIFEST_MAGIC = 0x4d474d31; // "MGM1"
  /** A partition's chunk files since its base may hold up to this fraction of its shard's bytes. */
  static final double COMPACT_AT = 0.5;

  /** Shards a cut's task wrote, for the new state's partition computed next in the same task (by file path). */
  private static final Map<String, WeakReference<VariableShard>> HANDED = new ConcurrentHashMap<>();

  private final JavaSparkContext jsc;
  private final Path dir;
  private final HadoopConf conf;
  private int cuts;
  private final List<PartitionFiles> partitions = new ArrayList<>();
  private Summary last;

  /** What one partition has on disk: its newest manifest's cut, its base's cut and its live chunk files (cut to bytes). */
  private static final class PartitionFiles {
    int manifestCut = -1;
    int baseCut = -1;
    final TreeMap<Integer, Long> chunkFiles = new TreeMap<>();

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
    this.conf = new HadoopConf(jsc.hadoopConfiguration());
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
      PartitionFiles f = p < partitions.size() ? partitions.get(p) : null;
      manifestCut[p] = f == null ? -1 : f.manifestCut;
      sinceBase[p] = f == null ? 0 : f.bytesSinceBase();
    }
    String d = dir.toString();
    JavaRDD<Written> writes = StepJobs.mapPartitionsWithIndex(state,
        new Write(d, conf, cut, manifestCut, sinceBase), true);
    List<Integer> ids = new ArrayList<>(n);
    for (int p = 0; p < n; p++) {
      ids.add(p);
    }
    JavaRDD<VariableShard> next = StepJobs.mapPartitionsWithIndex(jsc.parallelize(ids, n), new Read(d, conf, cut), true)
        .persist(StorageLevel.MEMORY_AND_DISK());
    next.setName("meshgrad state (" + what + ", cut " + cut + ")");
    List<Written> written;
    try {
      // the writing side first: Spark computes a zip's first RDD's partition before its second's
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
    } catch (RuntimeException | Error e) {
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
        partitions.add(new PartitionFiles());
      }
      PartitionFiles f = partitions.get(w.partition);
      if (f.manifestCut >= 0) {
        obsolete.add(manifestPath(dir, w.partition, f.manifestCut));
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
          obsolete.add(chunksPath(dir, w.partition, c));
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
      String suffix = String.format("-c%06d.", cut);
      for (FileStatus s : fs.listStatus(dir)) {
        if (s.getPath().getName().contains(suffix)) {
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

  static Path chunksPath(Path dir, int partition, int cut) {
    return new Path(dir, String.format("p%05d-c%06d.chunks", partition, cut));
  }

  static Path manifestPath(Path dir, int partition, int cut) {
    return new Path(dir, String.format("p%05d-c%06d.manifest", partition, cut));
  }

  // ------------------------------------------------------------------ tasks

  /**
   * What a cut's task wrote for its partition: whether a base, the chunk file's bytes (0: none
   * written) and the element bytes in it, the manifest's bytes, chunks written of all (counting
   * the value's and each slot's), the shard's element bytes, the cuts its manifest refers to;
   * {@link #shard} (not serialized) is the shard, as cut.
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
    final transient VariableShard shard;

    Written(int partition, int cut, boolean base, long chunkBytes, long dataBytes, long manifestBytes,
        long chunksWritten, long chunks, long shardBytes, int[] referencedCuts, VariableShard shard) {
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
      this.shard = shard;
    }
  }

  /** A cut's task: writes its partition's changed chunks (or a base) and manifest, hands the shard on. */
  private static final class Write implements StepJobs.PartitionFunction<VariableShard, Written> {
    private static final long serialVersionUID = 1L;
    private final String dir;
    private final HadoopConf conf;
    private final int cut;
    private final int[] manifestCut;
    private final long[] sinceBase;

    Write(String dir, HadoopConf conf, int cut, int[] manifestCut, long[] sinceBase) {
      this.dir = dir;
      this.conf = conf;
      this.cut = cut;
      this.manifestCut = manifestCut;
      this.sinceBase = sinceBase;
    }

    @Override
    public Iterator<Written> call(int p, Iterator<VariableShard> it) throws IOException {
      if (!it.hasNext()) {
        throw new IllegalStateException("state partition " + p + " holds no shard");
      }
      VariableShard shard = it.next();
      if (it.hasNext()) {
        throw new IllegalStateException("state partition " + p + " holds more than one shard");
      }
      Path d = new Path(dir);
      FileSystem fs = d.getFileSystem(conf.get());
      Manifest before = manifestCut[p] < 0 ? null : Manifest.read(fs, manifestPath(d, p, manifestCut[p]));
      List<String> names = new ArrayList<>();
      List<ChunkedTensor> tensors = new ArrayList<>();
      names.add("");
      tensors.add(shard.chunkedValue());
      shard.chunkedSlots().forEach((k, v) -> {
        names.add(k);
        tensors.add(v);
      });
      int numChunks = shard.chunkedValue().numChunks();
      boolean base = before == null || !shard.knowsChangesSinceCut() || !before.sameLayout(shard, names, tensors);
      boolean[] changed = new boolean[numChunks];
      long changedBytes = 0;
      for (int c = 0; c < numChunks; c++) {
        changed[c] = base || shard.changedSinceCut(c);
        if (changed[c]) {
          for (ChunkedTensor t : tensors) {
            changedBytes += chunkBytes(t, c);
          }
        }
      }
      if (!base && sinceBase[p] + changedBytes > COMPACT_AT * shard.byteSize()) {
        base = true;
        Arrays.fill(changed, true);
      }
      int[][] cutOf = new int[tensors.size()][];
      for (int t = 0; t < tensors.size(); t++) {
        cutOf[t] = base ? new int[numChunks] : before.cutOf[t].clone();
        for (int c = 0; c < numChunks; c++) {
          if (changed[c]) {
            cutOf[t][c] = cut;
          }
        }
      }
      long chunksWritten = 0;
      for (boolean b : changed) {
        chunksWritten += b ? tensors.size() : 0;
      }
      long chunkBytes = chunksWritten == 0 ? 0 : writeChunks(fs, chunksPath(d, p, cut), p, tensors, changed);
      Manifest m = new Manifest(p, cut, shard.variable(), shard.shard(), names, tensors, cutOf);
      long manifestBytes = atomically(fs, manifestPath(d, p, cut), m::write);
      TreeSet<Integer> referenced = new TreeSet<>();
      for (int[] cs : cutOf) {
        for (int c : cs) {
          referenced.add(c);
        }
      }
      VariableShard atCut = shard.atCut();
      hand(manifestPath(d, p, cut).toString(), atCut);
      long dataBytes = base ? shard.byteSize() : changedBytes;
      return List.of(new Written(p, cut, base, chunkBytes, chunksWritten == 0 ? 0 : dataBytes, manifestBytes, chunksWritten,
          (long) numChunks * tensors.size(), shard.byteSize(), referenced.stream().mapToInt(Integer::intValue).toArray(),
          atCut)).iterator();
    }

    private long writeChunks(FileSystem fs, Path path, int p, List<ChunkedTensor> tensors, boolean[] changed)
        throws IOException {
      return atomically(fs, path, out -> {
        out.writeInt(CHUNKS_MAGIC);
        out.writeInt(p);
        out.writeInt(cut);
        out.writeInt(tensors.size());
        for (ChunkedTensor t : tensors) {
          int k = 0;
          for (boolean b : changed) {
            k += b ? 1 : 0;
          }
          out.writeInt(k);
          for (int c = 0; c < changed.length; c++) {
            if (changed[c]) {
              out.writeInt(c);
            }
          }
          for (int c = 0; c < changed.length; c++) {
            if (changed[c]) {
              writeChunk(out, t.chunk(c));
            }
          }
        }
      });
    }
  }

  private static long chunkBytes(ChunkedTensor t, int c) {
    return (long) java.lang.reflect.Array.getLength(t.chunk(c)) * (t.dtype() == DType.FLOAT32 ? 4 : 8);
  }

  private static void hand(String key, VariableShard shard) {
    HANDED.values().removeIf(r -> r.get() == null);
    HANDED.put(key, new WeakReference<>(shard));
  }

  /** The new state's partition: the shard its cut's task just wrote, or else read from the cut's files. */
  private static final class Read implements StepJobs.PartitionFunction<Integer, VariableShard> {
    private static final long serialVersionUID = 1L;
    private final String dir;
    private final HadoopConf conf;
    private final int cut;

    Read(String dir, HadoopConf conf, int cut) {
      this.dir = dir;
      this.conf = conf;
      this.cut = cut;
    }

    @Override
    public Iterator<VariableShard> call(int p, Iterator<Integer> ignored) throws IOException {
      Path d = new Path(dir);
      Path manifest = manifestPath(d, p, cut);
      WeakReference<VariableShard> handed = HANDED.remove(manifest.toString());
      VariableShard shard = handed == null ? null : handed.get();
      if (shard == null) {
        shard = readShard(d.getFileSystem(conf.get()), d, p, cut);
      }
      return List.of(shard).iterator();
    }
  }

  /** Partition {@code p}'s shard at cut {@code cut}, from its manifest and the chunk files it names. */
  static VariableShard readShard(FileSystem fs, Path dir, int p, int cut) throws IOException {
    Manifest m = Manifest.read(fs, manifestPath(dir, p, cut));
    int tensors = m.names.size();
    Object[][] chunks = new Object[tensors][];
    for (int t = 0; t < tensors; t++) {
      chunks[t] = new Object[m.cutOf[t].length];
    }
    TreeSet<Integer> files = new TreeSet<>();
    for (int[] cs : m.cutOf) {
      for (int c : cs) {
        files.add(c);
      }
    }
    for (int file : files) {
      Path path = chunksPath(dir, p, file);
      try (DataInputStream in = new DataInputStream(new BufferedInputStream(fs.open(path), 1 << 16))) {
        if (in.readInt() != CHUNKS_MAGIC || in.readInt() != p || in.readInt() != file || in.readInt() != tensors) {
          throw new IOException(path + " is not partition " + p + "'s chunk file of cut " + file);
        }
        for (int t = 0; t < tensors; t++) {
          int[] ids = new int[in.readInt()];
          for (int k = 0; k < ids.length; k++) {
            ids[k] = in.readInt();
          }
          DType dtype = m.dtypes.get(t);
          int perChunk = ChunkedTensor.rowsPerChunk(m.shapes.get(t));
          int rowLength = rowLength(m.shapes.get(t));
          int rows = m.shapes.get(t).length == 0 ? 1 : m.shapes.get(t)[0];
          for (int c : ids) {
            int n = (Math.min(rows, (c + 1) * perChunk) - c * perChunk) * rowLength;
            if (m.cutOf[t][c] == file) {
              chunks[t][c] = readChunk(in, dtype, n);
            } else {
              in.skipNBytes((long) n * (dtype == DType.FLOAT32 ? 4 : 8));
            }
          }
        }
      }
    }
    for (int t = 0; t < tensors; t++) {
      for (int c = 0; c < chunks[t].length; c++) {
        if (chunks[t][c] == null) {
          throw new IOException("the cut " + cut + " of state partition " + p + " names cut " + m.cutOf[t][c]
              + " for chunk " + c + " of tensor " + t + ", whose file does not hold it");
        }
      }
    }
    ChunkedTensor value = ChunkedTensor.ofChunks(m.dtypes.get(0), m.shapes.get(0), chunks[0]);
    Map<String, ChunkedTensor> slots = new LinkedHashMap<>();
    for (int t = 1; t < tensors; t++) {
      slots.put(m.names.get(t), ChunkedTensor.ofChunks(m.dtypes.get(t), m.shapes.get(t), chunks[t]));
    }
    return VariableShard.atCut(m.variable, m.shard, value, slots);
  }

  private static int rowLength(int[] shape) {
    int n = 1;
    for (int i = 1; i < shape.length; i++) {
      n *= shape[i];
    }
    return n;
  }

  private static void writeChunk(DataOutputStream out, Object chunk) throws IOException {
    ByteBuffer b;
    if (chunk instanceof float[] f) {
      b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(f);
    } else {
      double[] v = (double[]) chunk;
      b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
      b.asDoubleBuffer().put(v);
    }
    out.write(b.array());
  }

  private static Object readChunk(DataInputStream in, DType dtype, int n) throws IOException {
    byte[] bytes = new byte[n * (dtype == DType.FLOAT32 ? 4 : 8)];
    in.readFully(bytes);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (dtype == DType.FLOAT32) {
      float[] f = new float[n];
      b.asFloatBuffer().get(f);
      return f;
    }
    double[] d = new double[n];
    b.asDoubleBuffer().get(d);
    return d;
  }

  /** Writes a file under a temporary name, then renames it to {@code path}; returns its length. */
  private static long atomically(FileSystem fs, Path path, Body body) throws IOException {
    Path tmp = new Path(path.getParent(), "_tmp-" + path.getName() + "-" + UUID.randomUUID());
    try (FSDataOutputStream raw = fs.create(tmp, true);
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 1 << 16))) {
      body.write(out);
    }
    long length = fs.getFileStatus(tmp).getLen();
    if (!fs.rename(tmp, path)) {
      fs.delete(path, false); // a retried task's earlier attempt wrote the same file
      if (!fs.rename(tmp, path)) {
        fs.delete(tmp, false);
        throw new IOException("could not rename " + tmp + " to " + path);
      }
    }
    return length;
  }

  @FunctionalInterface
  private interface Body {
    void write(DataOutputStream out) throws IOException;
  }

  /** A partition's manifest at one cut: for each chunk of each tensor, the cut whose chunk file holds it. */
  private static final class Manifest {
    final int partition;
    final int cut;
    final int variable;
    final int shard;
    final List<String> names;
    final List<DType> dtypes = new ArrayList<>();
    final List<int[]> shapes = new ArrayList<>();
    final int[][] cutOf;

    Manifest(int partition, int cut, int variable, int shard, List<String> names, List<DType> dtypes,
        List<int[]> shapes, int[][] cutOf) {
      this.partition = partition;
      this.cut = cut;
      this.variable = variable;
      this.shard = shard;
      this.names = names;
      this.dtypes.addAll(dtypes);
      this.shapes.addAll(shapes);
      this.cutOf = cutOf;
    }

    Manifest(int partition, int cut, int variable, int shard, List<String> names, List<ChunkedTensor> tensors,
        int[][] cutOf) {
      this(partition, cut, variable, shard, names, tensors.stream().map(ChunkedTensor::dtype).toList(),
          tensors.stream().map(ChunkedTensor::shape).toList(), cutOf);
    }

    /** Whether {@code shard} has this manifest's variable, shard and tensors (names, dtypes, shapes). */
    boolean sameLayout(VariableShard s, List<String> names, List<ChunkedTensor> tensors) {
      if (s.variable() != variable || s.shard() != shard || !names.equals(this.names)) {
        return false;
      }
      for (int t = 0; t < tensors.size(); t++) {
        if (tensors.get(t).dtype() != dtypes.get(t) || !Arrays.equals(tensors.get(t).shape(), shapes.get(t))) {
          return false;
        }
      }
      return true;
    }

    void write(DataOutputStream out) throws IOException {
      out.writeInt(MANIFEST_MAGIC);
      out.writeInt(partition);
      out.writeInt(cut);
      out.writeInt(variable);
      out.writeInt(shard);
      out.writeInt(names.size());
      for (int t = 0; t < names.size(); t++) {
        out.writeUTF(names.get(t));
        out.writeUTF(dtypes.get(t).name());
        int[] shape = shapes.get(t);
        out.writeInt(shape.length);
        for (int x : shape) {
          out.writeInt(x);
        }
        int[] cs = cutOf[t];
        List<int[]> runs = new ArrayList<>();
        for (int c = 0; c < cs.length; ) {
          int end = c;
          while (end < cs.length && cs[end] == cs[c]) {
            end++;
          }
          runs.add(new int[] {cs[c], end - c});
          c = end;
        }
        out.writeInt(cs.length);
        out.writeInt(runs.size());
        for (int[] r : runs) {
          out.writeInt(r[0]);
          out.writeInt(r[1]);
        }
      }
    }

    static Manifest read(FileSystem fs, Path path) throws IOException {
      byte[] bytes;
      try (var in = fs.open(path)) {
        bytes = in.readAllBytes();
      }
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
      if (in.readInt() != MANIFEST_MAGIC) {
        throw new IOException(path + " is not a meshgrad state manifest");
      }
      int partition = in.readInt();
      int cut = in.readInt();
      int variable = in.readInt();
      int shard = in.readInt();
      int n = in.readInt();
      List<String> names = new ArrayList<>();
      List<DType> dtypes = new ArrayList<>();
      List<int[]> shapes = new ArrayList<>();
      int[][] cutOf = new int[n][];
      for (int t = 0; t < n; t++) {
        names.add(in.readUTF());
        dtypes.add(DType.valueOf(in.readUTF()));
        int[] shape = new int[in.readInt()];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = in.readInt();
        }
        shapes.add(shape);
        cutOf[t] = new int[in.readInt()];
        int runs = in.readInt();
        int at = 0;
        for (int r = 0; r < runs; r++) {
          int c = in.readInt();
          int len = in.readInt();
          Arrays.fill(cutOf[t], at, at + len, c);
          at += len;
        }
        if (at != cutOf[t].length) {
          throw new IOException(path + ": tensor " + t + "'s runs cover " + at + " of " + cutOf[t].length + " chunks");
        }
      }
      return new Manifest(partition, cut, variable, shard, names, dtypes, shapes, cutOf);
    }
  }

  /** A Hadoop configuration that travels to the tasks (as its {@code Writable} bytes). */
  private static final class HadoopConf implements Serializable {
    private static final long serialVersionUID = 1L;
    private final byte[] bytes;
    private transient Configuration conf;

    HadoopConf(Configuration conf) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(b)) {
        conf.write(out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      this.bytes = b.toByteArray();
      this.conf = conf;
    }

    synchronized Configuration get() throws IOException {
      if (conf == null) {
        Configuration c = new Configuration(false);
        c.readFields(new DataInputStream(new ByteArrayInputStream(bytes)));
        conf = c;
      }
      return conf;
    }
  }
}
