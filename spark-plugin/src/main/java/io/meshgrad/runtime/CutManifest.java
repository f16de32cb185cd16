package io.meshgrad.runtime;

import io.meshgrad.tensor.DType;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One partition's manifest at one cut: its variable and shard, and per tensor (the value, then
 * the slots) name, dtype, shape and, for each chunk, the cut whose {@link ChunkFile} holds its
 * newest version. Format: "MGM1", partition, cut, variable, shard, tensors; per tensor name,
 * dtype, shape and the chunks' cuts, run-length coded.
 */
final class CutManifest {
  private static final int MAGIC = 0x4d474d31; // "MGM1"

  final int partition;
  final int cut;
  final int variable;
  final int shard;
  final List<String> names;
  final List<DType> dtypes = new ArrayList<>();
  final List<int[]> shapes = new ArrayList<>();
  final int[][] cutOf;

  CutManifest(int partition, int cut, int variable, int shard, List<String> names, List<DType> dtypes,
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

  CutManifest(int partition, int cut, int variable, int shard, List<String> names, List<ChunkedTensor> tensors,
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
    out.writeInt(MAGIC);
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

  static CutManifest read(FileSystem fs, Path path) throws IOException {
    byte[] bytes;
    try (var in = fs.open(path)) {
      bytes = in.readAllBytes();
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    if (in.readInt() != MAGIC) {
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
    return new CutManifest(partition, cut, variable, shard, names, dtypes, shapes, cutOf);
  }
}
