package io.meshgrad.runtime;

import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The state after a cut, partition by partition: the shard the cut's task handed on ({@link
 * CutHandOff}), or else read from the cut's files (its manifest, then each chunk file it names).
 */
final class CutRead implements StepJobs.PartitionFunction<Integer, VariableShard> {
  private static final long serialVersionUID = 1L;
  private final String dir;
  private final SerializableHadoopConf conf;
  private final int cut;

  /** Cut {@code cut}'s state in {@code dir}. */
  CutRead(String dir, SerializableHadoopConf conf, int cut) {
    this.dir = dir;
    this.conf = conf;
    this.cut = cut;
  }

  @Override
  public Iterator<VariableShard> call(int p, Iterator<Integer> ignored) throws IOException {
    Path d = new Path(dir);
    VariableShard shard = CutHandOff.take(CutFileNames.manifest(d, p, cut));
    if (shard == null) {
      shard = readShard(d.getFileSystem(conf.get()), d, p, cut);
    }
    return List.of(shard).iterator();
  }

  /** Partition {@code p}'s shard at cut {@code cut}, from its manifest and the chunk files it names. */
  static VariableShard readShard(FileSystem fs, Path dir, int p, int cut) throws IOException {
    CutManifest m = CutManifest.read(fs, CutFileNames.manifest(dir, p, cut));
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
      ChunkFile.read(fs, CutFileNames.chunks(dir, p, file), p, file, m, chunks);
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
}
