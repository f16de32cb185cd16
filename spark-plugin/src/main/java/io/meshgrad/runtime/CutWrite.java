package io.meshgrad.runtime;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A cut's task for one state partition: writes the partition's chunks changed since its previous
 * cut (or all of them, a base: at its first cut, when the layout changed, when the shard does not
 * know its changes, or when the chunk files since the base would exceed {@link
 * StateCuts#COMPACT_AT} of the shard's bytes) and its manifest, hands the shard as cut to the new
 * state's partition ({@link CutHandOff}) and returns what it wrote.
 */
final class CutWrite implements StepJobs.PartitionFunction<VariableShard, StateCuts.Written> {
  private static final long serialVersionUID = 1L;
  private final String dir;
  private final SerializableHadoopConf conf;
  private final int cut;
  private final int[] manifestCut;
  private final long[] sinceBase;

  /**
   * Cut {@code cut} into {@code dir}; {@code manifestCut[p]} is partition {@code p}'s newest
   * manifest's cut (-1: none) and {@code sinceBase[p]} its chunk files' bytes since its base.
   */
  CutWrite(String dir, SerializableHadoopConf conf, int cut, int[] manifestCut, long[] sinceBase) {
    this.dir = dir;
    this.conf = conf;
    this.cut = cut;
    this.manifestCut = manifestCut;
    this.sinceBase = sinceBase;
  }

  @Override
  public Iterator<StateCuts.Written> call(int p, Iterator<VariableShard> it) throws IOException {
    if (!it.hasNext()) {
      throw new IllegalStateException("state partition " + p + " holds no shard");
    }
    VariableShard shard = it.next();
    if (it.hasNext()) {
      throw new IllegalStateException("state partition " + p + " holds more than one shard");
    }
    Path d = new Path(dir);
    FileSystem fs = d.getFileSystem(conf.get());
    CutManifest before = manifestCut[p] < 0 ? null : CutManifest.read(fs, CutFileNames.manifest(d, p, manifestCut[p]));
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
          changedBytes += ChunkFile.chunkBytes(t, c);
        }
      }
    }
    if (!base && sinceBase[p] + changedBytes > StateCuts.COMPACT_AT * shard.byteSize()) {
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
    long chunkBytes = chunksWritten == 0 ? 0 : ChunkFile.write(fs, CutFileNames.chunks(d, p, cut), p, cut, tensors, changed);
    CutManifest m = new CutManifest(p, cut, shard.variable(), shard.shard(), names, tensors, cutOf);
    Path manifest = CutFileNames.manifest(d, p, cut);
    long manifestBytes = AtomicFile.write(fs, manifest, m::write);
    TreeSet<Integer> referenced = new TreeSet<>();
    for (int[] cs : cutOf) {
      for (int c : cs) {
        referenced.add(c);
      }
    }
    CutHandOff.hand(manifest, shard.atCut());
    long dataBytes = base ? shard.byteSize() : changedBytes;
    return List.of(new StateCuts.Written(p, cut, base, chunkBytes, chunksWritten == 0 ? 0 : dataBytes, manifestBytes,
        chunksWritten, (long) numChunks * tensors.size(), shard.byteSize(),
        referenced.stream().mapToInt(Integer::intValue).toArray())).iterator();
  }
}
