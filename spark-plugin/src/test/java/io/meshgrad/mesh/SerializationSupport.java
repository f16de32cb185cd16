package io.meshgrad.mesh;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;

/** Java-serialization round trips, as Spark does when it ships closures to executors. */
final class SerializationSupport {
  private SerializationSupport() {}

  @SuppressWarnings("unchecked")
  static <T extends Serializable> T roundTrip(T value) throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    ByteArrayInputStream source = new ByteArrayInputStream(bytes.toByteArray());
    try (ObjectInputStream in = new ObjectInputStream(source)) {
      return (T) in.readObject();
    }
  }
}
