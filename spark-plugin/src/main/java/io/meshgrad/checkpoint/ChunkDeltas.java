package io.meshgrad.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.tensor.ChunkLayout;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.LittleEndianElements;
import io.meshgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A checkpoint store's tensors of more than one chunk, written as the chunks changed since the
 * store's previous checkpoint. A chunk is the sharded state's ({@link ChunkLayout}); whether it changed is decided by its
 * bytes' SHA-256 against the previous checkpoint's (the checkpoint sees gathered tensors, not the
 * shards' copy-on-write chunks). A checkpoint's tensor entry names, run-length coded, the chunk
 * file holding each chunk's newest version, and each such file's length and SHA-256. A chunk file
 * ({@code chunks/sNNNNNNNNN-<id>-tNNNN.bin}): "MGC1", count, chunk ids, then the chunks' elements,
 * all little-endian. The first checkpoint of a store (also after a resume), a changed dtype or
 * shape, or delta files since the base holding more than {@link #COMPACT_AT} of the tensor's bytes
 * write a base (all chunks).
 */
final class ChunkDeltas {
  /** The directory of the chunk files, under the store's directory. */
  static final String DIR = "chunks";
  /** Delta files since a tensor's base may hold up to this fraction of its bytes. */
  static final double COMPACT_AT = 0.5;
  private static final int MAGIC = 0x3143474d; // "MGC1" little-endian

  /** What the previous checkpoint wrote of one tensor: its layout, each chunk's hash and file, the files' sizes. */
  private record Previous(DType dtype, int[] shape, byte[][] hashes, String[] fileOf, String base,
      Map<String, ObjectNode> files) {}

  private final Map<String, Previous> previous = new HashMap<>();
  private final Map<String, Previous> pending = new HashMap<>();

  /** Whether {@code t} is written in chunks (more than one). */
  static boolean applies(Tensor t) {
    return Tensor.numElements(t.shape()) > 0 && ChunkLayout.numChunks(t.shape()) > 1;
  }

  /**
   * Writes the chunks of {@code t} changed since the previous checkpoint (all: a base) into {@code
   * file} under {@code root/chunks} and returns the tensor's manifest entry; the store takes the
   * write as the previous checkpoint's only after {@link #commit()}.
   */
  ObjectNode write(FileSystem fs, Path root, String key, String file, Tensor t) throws IOException {
    int[] shape = t.shape();
    int n = ChunkLayout.numChunks(shape);
    int width = t.dtype().bytes();
    Object elements = t.dtype() == DType.FLOAT32 ? t.floats() : t.doubles();
    byte[][] chunks = new byte[n][];
    byte[][] hashes = new byte[n][];
    for (int c = 0; c < n; c++) {
      int first = ChunkLayout.firstElement(shape, c);
      chunks[c] = LittleEndianElements.encode(elements, first, first + ChunkLayout.chunkElements(shape, c));
      hashes[c] = sha256(chunks[c]);
    }
    Previous before = previous.get(key);
    boolean base = before == null || before.dtype != t.dtype() || !Arrays.equals(before.shape, shape);
    boolean[] changed = new boolean[n];
    long changedBytes = 0;
    for (int c = 0; c < n; c++) {
      changed[c] = base || !Arrays.equals(before.hashes[c], hashes[c]);
      changedBytes += changed[c] ? chunks[c].length : 0;
    }
    if (!base) {
      long sinceBase = changedBytes;
      for (Map.Entry<String, ObjectNode> f : before.files.entrySet()) {
        if (!f.getKey().equals(before.base)) {
          sinceBase += f.getValue().path("bytes").asLong();
        }
      }
      if (sinceBase > COMPACT_AT * t.size() * (long) width) {
        base = true;
        Arrays.fill(changed, true);
      }
    }
    String[] fileOf = base ? new String[n] : before.fileOf.clone();
    Map<String, ObjectNode> files = new LinkedHashMap<>();
    int k = 0;
    for (boolean b : changed) {
      k += b ? 1 : 0;
    }
    if (k > 0) {
      ByteBuffer head = ByteBuffer.allocate(8 + 4 * k).order(ByteOrder.LITTLE_ENDIAN);
      head.putInt(MAGIC).putInt(k);
      for (int c = 0; c < n; c++) {
        if (changed[c]) {
          head.putInt(c);
          fileOf[c] = file;
        }
      }
      MessageDigest digest = digest();
      long bytes = 0;
      Path path = new Path(new Path(root, DIR), file);
      try (FSDataOutputStream out = fs.create(path, true)) {
        out.write(head.array());
        digest.update(head.array());
        bytes += head.capacity();
        for (int c = 0; c < n; c++) {
          if (changed[c]) {
            out.write(chunks[c]);
            digest.update(chunks[c]);
            bytes += chunks[c].length;
          }
        }
      }
      ObjectNode info = JsonNodeFactory.instance.objectNode();
      info.put("bytes", bytes);
      info.put("sha256", HexFormat.of().formatHex(digest.digest()));
      files.put(file, info);
    }
    for (String f : fileOf) {
      if (!files.containsKey(f)) {
        files.put(f, before.files.get(f));
      }
    }
    pending.put(key, new Previous(t.dtype(), shape.clone(), hashes, fileOf, base ? file : before.base, files));
    ObjectNode entry = JsonNodeFactory.instance.objectNode();
    entry.put("rowsPerChunk", ChunkLayout.rowsPerChunk(shape));
    ArrayNode runs = entry.putArray("chunks");
    for (int c = 0; c < n; ) {
      int end = c;
      while (end < n && fileOf[end].equals(fileOf[c])) {
        end++;
      }
      runs.addArray().add(fileOf[c]).add(end - c);
      c = end;
    }
    ObjectNode fileNode = entry.putObject("files");
    files.forEach(fileNode::set);
    return entry;
  }

  /** Takes the writes since the last commit as the previous checkpoint's (its manifest is durable). */
  void commit() {
    previous.putAll(pending);
    pending.clear();
  }

  /** Forgets the writes since the last commit (the checkpoint failed). */
  void abort() {
    pending.clear();
  }

  /** The chunk files a tensor entry refers to. */
  static Set<String> files(JsonNode entry) {
    Set<String> out = new java.util.TreeSet<>();
    for (Iterator<String> it = entry.path("files").fieldNames(); it.hasNext(); ) {
      out.add(it.next());
    }
    return out;
  }

  /**
   * The tensor of a chunked manifest entry, from the chunk files it names (each checked against its
   * length and SHA-256).
   *
   * @throws IllegalStateException naming the chunk file that is missing, truncated or corrupted
   */
  static Tensor read(FileSystem fs, Path root, JsonNode entry, DType dtype, int[] shape) throws IOException {
    int n = ChunkLayout.numChunks(shape);
    int per = ChunkLayout.rowsPerChunk(shape);
    long size = Tensor.numElements(shape);
    int width = dtype.bytes();
    ByteBuffer out = ByteBuffer.allocate((int) (size * width)).order(ByteOrder.LITTLE_ENDIAN);
    String[] fileOf = new String[n];
    int at = 0;
    for (JsonNode run : entry.path("chunks")) {
      int len = run.get(1).intValue();
      if (at + len > n) {
        throw new IllegalStateException("checkpoint manifest names " + (at + len) + " chunks of a tensor of " + n);
      }
      Arrays.fill(fileOf, at, at + len, run.get(0).asText());
      at += len;
    }
    if (at != n || entry.path("rowsPerChunk").intValue() != per) {
      throw new IllegalStateException("checkpoint manifest's chunks (" + at + " of " + entry.path("rowsPerChunk")
          + " rows) do not cover a tensor of " + Arrays.toString(shape) + " (" + n + " of " + per + " rows)");
    }
    boolean[] filled = new boolean[n];
    for (String name : files(entry)) {
      Path path = new Path(new Path(root, DIR), name);
      if (!fs.exists(path)) {
        throw new IllegalStateException("checkpoint file " + path + " is missing");
      }
      byte[] bytes;
      try {
        bytes = CheckpointStore.readAll(fs, path);
      } catch (IOException e) {
        throw new IllegalStateException("checkpoint file " + path + " is corrupted or unreadable: " + e.getMessage(), e);
      }
      JsonNode info = entry.path("files").path(name);
      if (bytes.length != info.path("bytes").asLong()
          || !HexFormat.of().formatHex(sha256(bytes)).equals(info.path("sha256").asText())) {
        throw new IllegalStateException("checkpoint file " + path + " is corrupted or truncated (" + bytes.length
            + " bytes, checksum mismatch with the manifest)");
      }
      ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      if (in.getInt() != MAGIC) {
        throw new IllegalStateException("checkpoint file " + path + " is not a meshgrad chunk file");
      }
      int[] ids = new int[in.getInt()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = in.getInt();
      }
      int offset = in.position();
      for (int c : ids) {
        if (c < 0 || c >= n) {
          throw new IllegalStateException("checkpoint file " + path + " holds chunk " + c + " of a tensor of " + n);
        }
        int length = ChunkLayout.chunkElements(shape, c) * width;
        if (name.equals(fileOf[c])) {
          out.put(ChunkLayout.firstElement(shape, c) * width, bytes, offset, length);
          filled[c] = true;
        }
        offset += length;
      }
    }
    for (int c = 0; c < n; c++) {
      if (!filled[c]) {
        throw new IllegalStateException("checkpoint file " + new Path(new Path(root, DIR), fileOf[c])
            + " does not hold chunk " + c + " that the manifest places there");
      }
    }
    out.rewind();
    if (dtype == DType.FLOAT32) {
      float[] f = new float[(int) size];
      out.asFloatBuffer().get(f);
      return Tensor.of(f, shape);
    }
    double[] d = new double[(int) size];
    out.asDoubleBuffer().get(d);
    return Tensor.of(d, shape);
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] sha256(byte[] bytes) {
    return digest().digest(bytes);
  }
}
