package io.meshgrad.runtime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;

/** A Hadoop configuration that travels to the tasks (as its {@code Writable} bytes). */
final class SerializableHadoopConf implements Serializable {
  private static final long serialVersionUID = 1L;
  private final byte[] bytes;
  private transient Configuration conf;

  SerializableHadoopConf(Configuration conf) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(b)) {
      conf.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.bytes = b.toByteArray();
    this.conf = conf;
  }

  /** The configuration (rebuilt from its bytes once in a task's JVM). */
  synchronized Configuration get() throws IOException {
    if (conf == null) {
      Configuration c = new Configuration(false);
      c.readFields(new DataInputStream(new ByteArrayInputStream(bytes)));
      conf = c;
    }
    return conf;
  }
}
