package io.meshgrad.support;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Java serialization to and from a {@code byte[]}, read with the class loader that has meshgrad's
 * classes: the one that loaded meshgrad's code here (then the thread's context class loader).
 *
 * <p>Why: a Spark Connect client may ship meshgrad's jar itself ({@code
 * spark.addArtifacts(...)}), and then only that session's class loader has meshgrad's classes on
 * the server. Spark reads a task's result on the driver with its own class loader (in its result
 * threads), which fails for a result of meshgrad's classes ({@code ClassNotFound with classloader:
 * ...MutableURLClassLoader}). So every job whose results come back to the driver returns them as
 * bytes written here on the executor, and the driver reads them here, in the thread that ran the
 * job. Broadcasts travel as bytes too ({@link #readShared}): in local mode the executors of such a
 * session load meshgrad's classes through a loader of their own, and an object the driver
 * broadcast (Spark hands the driver's very object to a local task) is of the driver's classes,
 * which the task cannot cast to its own. The tasks of the engine exchange their messages the same
 * way. With meshgrad on Spark's own class path (a {@code --jars} or cluster library) every loader
 * finds the same classes and the only change is the bytes' copy.
 */
public final class ObjectBytes {
  private ObjectBytes() {}

  /**
   * {@code value} Java-serialized.
   *
   * @throws IllegalStateException naming the class when {@code value} (or an object it holds)
   *     cannot be serialized
   */
  public static byte[] write(Object value) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    } catch (NotSerializableException e) {
      throw new IllegalStateException("meshgrad: " + e.getMessage() + " is not serializable", e);
    } catch (IOException e) {
      throw new IllegalStateException("meshgrad: a " + value.getClass().getName() + " could not be serialized", e);
    }
    return bytes.toByteArray();
  }

  /**
   * The object {@link #write} wrote to {@code bytes}, which must be a {@code type}.
   *
   * @param what what the bytes are, for the message of a failure (e.g. "a task's result")
   * @throws IllegalStateException saying {@code what} could not be read, and why
   */
  public static <T> T read(byte[] bytes, Class<T> type, String what) {
    Object value;
    try (ObjectInputStream in = new Input(bytes)) {
      value = in.readObject();
    } catch (IOException | ClassNotFoundException e) {
      throw new IllegalStateException("meshgrad: " + what + " could not be read: " + e, e);
    }
    if (value != null && !type.isInstance(value)) {
      throw new IllegalStateException(
          "meshgrad: " + what + " is a " + value.getClass().getName() + ", expected a " + type.getName());
    }
    return type.cast(value);
  }

  /**
   * {@link #read}, once per {@code bytes} array: the bytes of a Spark broadcast, which every task
   * of an executor reads (and in local mode the driver's very array). The first reader reads them;
   * the others get the same object, which no one may change, for as long as the array is in use
   * (the cache holds the array weakly, by identity). Each class loader of meshgrad has its own
   * cache: in local mode under a Spark Connect session that shipped the jar, the driver and the
   * executor load meshgrad's classes through two loaders, and each needs objects of its own classes.
   */
  public static <T> T readShared(byte[] bytes, Class<T> type, String what) {
    if (bytes == null) {
      throw new IllegalStateException("meshgrad: " + what + " is missing (null bytes)");
    }
    Object value;
    synchronized (SHARED) {
      value = SHARED.get(bytes);
    }
    if (value == null) {
      Object read = read(bytes, type, what);
      if (read == null) {
        throw new IllegalStateException("meshgrad: " + what + " is missing (null)");
      }
      synchronized (SHARED) {
        value = SHARED.putIfAbsent(bytes, read);
        if (value == null) {
          value = read;
        }
      }
    }
    if (!type.isInstance(value)) {
      throw new IllegalStateException(
          "meshgrad: " + what + " is a " + value.getClass().getName() + ", expected a " + type.getName());
    }
    return type.cast(value);
  }

  /** The objects {@link #readShared} read, by the identity of their bytes (arrays use identity equality). */
  private static final Map<byte[], Object> SHARED = new WeakHashMap<>();

  /**
   * Resolves classes with meshgrad's own class loader (the loader of the code that asked, so the
   * objects are of the classes that code casts to), then the thread's context class loader, then
   * the stream's default.
   */
  private static final class Input extends ObjectInputStream {
    Input(byte[] bytes) throws IOException {
      super(new ByteArrayInputStream(bytes));
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
      try {
        return Class.forName(desc.getName(), false, ObjectBytes.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        // not there: the context class loader next
      }
      ClassLoader context = Thread.currentThread().getContextClassLoader();
      if (context != null) {
        try {
          return Class.forName(desc.getName(), false, context);
        } catch (ClassNotFoundException e) {
          // not there either: the stream's default
        }
      }
      return super.resolveClass(desc); // primitive types ("int"), and the stream's default loader
    }
  }
}
