package io.meshgrad.runtime;

import io.meshgrad.tensor.ChunkLayout;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.LittleEndianElements;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One partition's chunk file of one cut: some chunks of each of its tensors (the same chunk ids
 * for every tensor). Format: "MGS1", partition, cut, tensors; per tensor its chunk ids, then their
 * elements (little-endian float32 or float64). Which chunk of which tensor is newest in which file
 * is the {@link CutManifest}'s business.
 */
final class ChunkFile {
  private static final int MAGIC = 0x4d475331; // "MGS1"

  private ChunkFile() {}

  /** The element bytes of chunk {@code c} of {@code t}. */
  static long chunkBytes(ChunkedTensor t, int c) {
    return (long) java.lang.reflect.Array.getLength(t.chunk(c)) * elementBytes(t.dtype());
  }

  /**
   * Writes the chunks {@code c} with {@code changed[c]} of every tensor to {@code path} (atomically);
   * returns the file's length.
   */
  static long write(FileSystem fs, Path path, int partition, int cut, List<ChunkedTensor> tensors, boolean[] changed)
      throws IOException {
    int k = 0;
    for (boolean b : changed) {
      k += b ? 1 : 0;
    }
    int count = k;
    return AtomicFile.write(fs, path, out -> {
      out.writeInt(MAGIC);
      out.writeInt(partition);
      out.writeInt(cut);
      out.writeInt(tensors.size());
      for (ChunkedTensor t : tensors) {
        out.writeInt(count);
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

  /**
   * Reads partition {@code partition}'s chunk file of cut {@code file} and puts into {@code
   * chunks[t][c]} each chunk whose newest version the manifest {@code m} places in that file.
   */
  static void read(FileSystem fs, Path path, int partition, int file, CutManifest m, Object[][] chunks)
      throws IOException {
    int tensors = m.names.size();
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(fs.open(path), 1 << 16))) {
      if (in.readInt() != MAGIC || in.readInt() != partition || in.readInt() != file || in.readInt() != tensors) {
        throw new IOException(path + " is not partition " + partition + "'s chunk file of cut " + file);
      }
      for (int t = 0; t < tensors; t++) {
        int[] ids = new int[in.readInt()];
        for (int k = 0; k < ids.length; k++) {
          ids[k] = in.readInt();
        }
        DType dtype = m.dtypes.get(t);
        int[] shape = m.shapes.get(t);
        for (int c : ids) {
          int n = ChunkLayout.chunkElements(shape, c);
          if (m.cutOf[t][c] == file) {
            chunks[t][c] = readChunk(in, dtype, n);
          } else {
            in.skipNBytes((long) n * elementBytes(dtype));
          }
        }
      }
    }
  }

  private static int elementBytes(DType dtype) {
    return dtype.bytes();
  }

  private static void writeChunk(DataOutputStream out, Object chunk) throws IOException {
    out.write(LittleEndianElements.encode(chunk, 0, java.lang.reflect.Array.getLength(chunk)));
  }

  private static Object readChunk(DataInputStream in, DType dtype, int n) throws IOException {
    byte[] bytes = new byte[n * dtype.bytes()];
    in.readFully(bytes);
    return LittleEndianElements.decode(bytes, 0, dtype, n);
  }
}
