package io.meshgrad.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training checkpoints in a Hadoop filesystem directory (local, HDFS, S3...), format
 * {@code meshgrad-checkpoint/2}:
 * <pre>
 *   DIR/step-000000120/manifest.json    format, step, optimizer config, iterations, metadata, and per
 *                                       tensor: role, variable, slot, dtype, shape, and either file,
 *                                       bytes, sha256 (a whole tensor) or its chunks' files
 *   DIR/step-000000120/tensor-0000.bin  a tensor of one chunk: "MGT1", dtype, rank, dims, little-endian data
 *   DIR/chunks/s000000120-...-t0003.bin the chunks of a larger tensor changed since the store's
 *                                       previous checkpoint ({@link ChunkDeltas}), possibly named by
 *                                       later checkpoints too
 * </pre>
 * A checkpoint's files are written first, then its manifest into a temporary directory that is
 * renamed into place, so a reader never sees half of one; the newest {@code keep} are kept, and
 * the chunk files none of them names are deleted only after the new checkpoint is in place (a
 * crash before leaves the previous checkpoints whole). Loading checks every file's length and
 * SHA-256 against the manifest and names the first bad file; {@link #loadLatestValid()} falls back
 * to an older checkpoint when the newest is damaged. Checkpoints of format {@code
 * meshgrad-checkpoint/1} (every tensor whole) are read too. Nothing is Java-deserialized.
 */
public final class CheckpointStore {
  /** The format written and read. */
  public static final String FORMAT = "meshgrad-checkpoint/2";
  /** The earlier format, still read: every tensor in its own file. */
  static final String FORMAT_1 = "meshgrad-checkpoint/1";

  private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern STEP_DIR = Pattern.compile("step-(\\d+)");

  private final Path dir;
  private final Configuration hadoopConf;
  private final int keep;
  private final ChunkDeltas deltas = new ChunkDeltas();

  /**
   * @param directory a Hadoop path ({@code file:/...}, {@code hdfs://...} or a plain local path)
   * @param keep how many checkpoints to keep, {@code >= 1}
   */
  public CheckpointStore(String directory, Configuration hadoopConf, int keep) {
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be >= 1, got " + keep);
    }
    this.dir = new Path(directory);
    this.hadoopConf = hadoopConf;
    this.keep = keep;
  }

  private FileSystem fs() throws IOException {
    return dir.getFileSystem(hadoopConf);
  }

  /** Writes a checkpoint atomically and drops all but the newest {@code keep}; returns its directory. */
  public String save(TrainingCheckpoint checkpoint) {
    try {
      FileSystem fs = fs();
      fs.mkdirs(dir);
      String id = UUID.randomUUID().toString();
      Path tmp = new Path(dir, "_tmp-" + id);
      fs.mkdirs(tmp);
      fs.mkdirs(new Path(dir, ChunkDeltas.DIR));
      String chunkPrefix = String.format("s%09d-%s", checkpoint.iterations(), id.substring(0, 8));
      ArrayNode tensors = JsonNodeFactory.instance.arrayNode();
      int n = 0;
      for (Map.Entry<String, Tensor> e : checkpoint.values().entrySet()) {
        tensors.add(writeTensor(fs, tmp, chunkPrefix, n++, e.getValue(), "variable", e.getKey(), null));
        for (Map.Entry<String, Tensor> s : checkpoint.slots().get(e.getKey()).entrySet()) {
          tensors.add(writeTensor(fs, tmp, chunkPrefix, n++, s.getValue(), "slot", e.getKey(), s.getKey()));
        }
      }
      ObjectNode manifest = JsonNodeFactory.instance.objectNode();
      manifest.put("format", FORMAT);
      manifest.put("iterations", checkpoint.iterations());
      manifest.set("optimizer", checkpoint.optimizerConfig());
      manifest.set("metadata", checkpoint.metadata());
      manifest.set("tensors", tensors);
      write(fs, new Path(tmp, "manifest.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
      Path target = new Path(dir, String.format("step-%09d", checkpoint.iterations()));
      if (fs.exists(target)) {
        fs.delete(target, true);
      }
      if (!fs.rename(tmp, target)) {
        throw new IOException("could not rename " + tmp + " to " + target);
      }
      deltas.commit();
      prune(fs);
      return target.toString();
    } catch (IOException e) {
      deltas.abort();
      throw new UncheckedIOException("could not write a checkpoint under " + dir + ": " + e.getMessage(), e);
    }
  }

  private ObjectNode writeTensor(FileSystem fs, Path tmp, String chunkPrefix, int n, Tensor t, String role,
      String variable, String slot) throws IOException {
    ObjectNode o;
    if (ChunkDeltas.applies(t)) {
      o = deltas.write(fs, dir, role + "/" + variable + "/" + slot, String.format("%s-t%04d.bin", chunkPrefix, n), t);
    } else {
      String file = String.format("tensor-%04d.bin", n);
      byte[] bytes = TensorCodec.encode(t);
      write(fs, new Path(tmp, file), bytes);
      o = JsonNodeFactory.instance.objectNode();
      o.put("file", file);
      o.put("bytes", bytes.length);
      o.put("sha256", sha256(bytes));
    }
    o.put("role", role);
    o.put("variable", variable);
    if (slot != null) {
      o.put("slot", slot);
    }
    o.put("dtype", t.dtype().kerasName());
    ArrayNode shape = o.putArray("shape");
    for (int d : t.shape()) {
      shape.add(d);
    }
    return o;
  }

  private static void write(FileSystem fs, Path p, byte[] bytes) throws IOException {
    try (FSDataOutputStream out = fs.create(p, true)) {
      out.write(bytes);
    }
  }

  /**
   * Deletes all but the newest {@code keep} checkpoints, then the chunk files none of those names
   * (none if one of their manifests cannot be read: it might name them).
   */
  private void prune(FileSystem fs) throws IOException {
    List<Path> all = checkpointDirs(fs);
    for (int i = keep; i < all.size(); i++) {
      fs.delete(all.get(i), true);
    }
    Path chunks = new Path(dir, ChunkDeltas.DIR);
    if (!fs.exists(chunks)) {
      return;
    }
    java.util.Set<String> named = new java.util.HashSet<>();
    for (int i = 0; i < Math.min(keep, all.size()); i++) {
      try {
        for (JsonNode t : JSON.readTree(readAll(fs, new Path(all.get(i), "manifest.json"))).path("tensors")) {
          named.addAll(ChunkDeltas.files(t));
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn("keeping every chunk file in {}: the manifest of {} cannot be read ({})", chunks, all.get(i),
            e.getMessage());
        return;
      }
    }
    for (FileStatus st : fs.listStatus(chunks)) {
      if (!named.contains(st.getPath().getName())) {
        fs.delete(st.getPath(), false);
      }
    }
  }

  /** Checkpoint directories, newest first. */
  private List<Path> checkpointDirs(FileSystem fs) throws IOException {
    List<Path> out = new ArrayList<>();
    if (!fs.exists(dir)) {
      return out;
    }
    for (FileStatus st : fs.listStatus(dir)) {
      if (st.isDirectory() && STEP_DIR.matcher(st.getPath().getName()).matches()) {
        out.add(st.getPath());
      }
    }
    out.sort((a, b) -> Long.compare(step(b), step(a)));
    return out;
  }

  private static long step(Path p) {
    Matcher m = STEP_DIR.matcher(p.getName());
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  /** The checkpoint directories present, newest first. */
  public List<String> list() {
    try {
      return checkpointDirs(fs()).stream().map(Path::toString).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads and verifies one checkpoint directory.
   *
   * @throws IllegalStateException naming the file that is missing, truncated or corrupted
   */
  public TrainingCheckpoint load(String checkpointDir) {
    Path d = new Path(checkpointDir);
    try {
      FileSystem fs = d.getFileSystem(hadoopConf);
      Path manifestPath = new Path(d, "manifest.json");
      if (!fs.exists(manifestPath)) {
        throw new IllegalStateException("checkpoint " + d + " has no manifest.json");
      }
      JsonNode manifest;
      try {
        manifest = JSON.readTree(readAll(fs, manifestPath));
      } catch (IOException e) {
        throw new IllegalStateException("checkpoint manifest " + manifestPath + " is not valid JSON: " + e.getMessage());
      }
      String format = manifest.path("format").asText();
      if (!FORMAT.equals(format) && !FORMAT_1.equals(format)) {
        throw new IllegalStateException("checkpoint " + d + " has format '" + format + "', this version reads '"
            + FORMAT + "' and '" + FORMAT_1 + "'");
      }
      Map<String, Tensor> values = new LinkedHashMap<>();
      Map<String, Map<String, Tensor>> slots = new LinkedHashMap<>();
      for (JsonNode t : manifest.path("tensors")) {
        int[] shape = new int[t.path("shape").size()];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = t.path("shape").get(i).intValue();
        }
        DType dtype = DType.parse(t.path("dtype").asText());
        String variable = t.path("variable").asText();
        if (t.has("chunks")) {
          put(values, slots, t, variable, ChunkDeltas.read(fs, d.getParent(), t, dtype, shape));
          continue;
        }
        Path file = new Path(d, t.path("file").asText());
        if (!fs.exists(file)) {
          throw new IllegalStateException("checkpoint file " + file + " is missing");
        }
        byte[] bytes;
        try {
          bytes = readAll(fs, file);
        } catch (IOException e) {
          throw new IllegalStateException("checkpoint file " + file + " is corrupted or unreadable: " + e.getMessage(), e);
        }
        if (bytes.length != t.path("bytes").asLong() || !sha256(bytes).equals(t.path("sha256").asText())) {
          throw new IllegalStateException("checkpoint file " + file + " is corrupted or truncated (" + bytes.length
              + " bytes, checksum mismatch with the manifest)");
        }
        put(values, slots, t, variable, TensorCodec.decode(bytes, dtype, shape, file.toString()));
      }
      return new TrainingCheckpoint((ObjectNode) manifest.path("optimizer"), manifest.path("iterations").asLong(),
          values, slots, manifest.path("metadata").isObject() ? (ObjectNode) manifest.path("metadata") : null);
    } catch (IOException e) {
      throw new IllegalStateException("could not read checkpoint " + d + ": " + e.getMessage(), e);
    }
  }

  private static void put(Map<String, Tensor> values, Map<String, Map<String, Tensor>> slots, JsonNode entry,
      String variable, Tensor tensor) {
    if ("variable".equals(entry.path("role").asText())) {
      values.put(variable, tensor);
      slots.putIfAbsent(variable, new LinkedHashMap<>());
    } else {
      slots.computeIfAbsent(variable, k -> new LinkedHashMap<>()).put(entry.path("slot").asText(), tensor);
    }
  }

  /** The newest checkpoint, or {@code null} if there is none; a damaged newest one is an error. */
  public TrainingCheckpoint loadLatest() {
    List<String> all = list();
    return all.isEmpty() ? null : load(all.get(0));
  }

  /**
   * The newest checkpoint that verifies, falling back past damaged ones (each logged); {@code null}
   * if there is none at all.
   *
   * @throws IllegalStateException if checkpoints exist but none verifies, listing each problem
   */
  public TrainingCheckpoint loadLatestValid() {
    List<String> problems = new ArrayList<>();
    for (String d : list()) {
      try {
        TrainingCheckpoint c = load(d);
        if (!problems.isEmpty()) {
          LOG.warn("resuming from {} because newer checkpoints are damaged: {}", d, problems);
        }
        return c;
      } catch (IllegalStateException e) {
        problems.add(e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException("no valid checkpoint under " + dir + ": " + problems);
    }
    return null;
  }

  /** The whole file {@code p}. */
  static byte[] readAll(FileSystem fs, Path p) throws IOException {
    long len = fs.getFileStatus(p).getLen();
    if (len > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("checkpoint file " + p + " is too large (" + len + " bytes)");
    }
    byte[] bytes = new byte[(int) len];
    try (FSDataInputStream in = fs.open(p)) {
      in.readFully(bytes);
    }
    return bytes;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return "CheckpointStore(" + dir + ", keep " + keep + ")";
  }
}
