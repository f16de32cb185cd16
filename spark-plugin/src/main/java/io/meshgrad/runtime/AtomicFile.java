package io.meshgrad.runtime;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.UUID;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A file written under a temporary name in its directory and renamed into place, so that a
 * reader sees either no file or the whole file. A file already at the path (a retried task's
 * earlier attempt) is replaced.
 */
final class AtomicFile {
  private AtomicFile() {}

  /** What writes a file's contents. */
  @FunctionalInterface
  interface Body {
    void write(DataOutputStream out) throws IOException;
  }

  /** Writes {@code body} under a temporary name, then renames it to {@code path}; returns the file's length. */
  static long write(FileSystem fs, Path path, Body body) throws IOException {
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
}
