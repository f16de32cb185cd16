package io.meshgrad.support;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ObjectBytesTest {

  /** A value class of this library's own (its copy in another loader is another class). */
  static final class Sample implements Serializable {
    private static final long serialVersionUID = 1L;
    final float[] values;

    Sample(float[] values) {
      this.values = values;
    }
  }

  @Test
  void aListOfObjectsComesBackEqual() {
    List<Object> list = new ArrayList<>(List.of(new Sample(new float[] {1f, 2.5f}), 7, "x", new double[] {3.0}));
    @SuppressWarnings("unchecked")
    List<Object> back = ObjectBytes.read(ObjectBytes.write(list), ArrayList.class, "a list");
    assertEquals(4, back.size());
    assertArrayEquals(new float[] {1f, 2.5f}, ((Sample) back.get(0)).values);
    assertEquals(7, back.get(1));
    assertEquals("x", back.get(2));
    assertArrayEquals(new double[] {3.0}, (double[]) back.get(3));
  }

  @Test
  void theWrongTypeAndUnserializableValuesFailSayingWhat() {
    byte[] bytes = ObjectBytes.write("text");
    IllegalStateException wrongType =
        assertThrows(IllegalStateException.class, () -> ObjectBytes.read(bytes, Sample.class, "a task's result"));
    assertEquals("meshgrad: a task's result is a java.lang.String, expected a " + Sample.class.getName(),
        wrongType.getMessage());
    IllegalStateException notSerializable =
        assertThrows(IllegalStateException.class, () -> ObjectBytes.write(List.of(new Object())));
    assertTrue(notSerializable.getMessage().contains("java.lang.Object is not serializable"), notSerializable.getMessage());
    IllegalStateException truncated = assertThrows(IllegalStateException.class,
        () -> ObjectBytes.read(java.util.Arrays.copyOf(bytes, 3), String.class, "a peer's partial sums"));
    assertTrue(truncated.getMessage().startsWith("meshgrad: a peer's partial sums could not be read: "),
        truncated.getMessage());
  }

  @Test
  void sharedBytesAreReadOncePerArray() {
    byte[] bytes = ObjectBytes.write(new Sample(new float[] {4f}));
    Sample first = ObjectBytes.readShared(bytes, Sample.class, "a broadcast");
    assertSame(first, ObjectBytes.readShared(bytes, Sample.class, "a broadcast"));
    Sample fromACopy = ObjectBytes.readShared(bytes.clone(), Sample.class, "a broadcast");
    assertNotSame(first, fromACopy);
    assertArrayEquals(first.values, fromACopy.values);
  }

  /**
   * As under a Spark Connect session that shipped the jar, in local mode: a second class loader
   * with its own copy of meshgrad's classes (the executor's) reads what the first (the driver's)
   * wrote, and gets objects of its own copy, which its code can cast; whatever the thread's
   * context class loader.
   */
  @Test
  void eachLoaderOfMeshgradReadsObjectsOfItsOwnClasses() throws Exception {
    URL main = ObjectBytes.class.getProtectionDomain().getCodeSource().getLocation();
    URL tests = ObjectBytesTest.class.getProtectionDomain().getCodeSource().getLocation();
    byte[] bytes = ObjectBytes.write(new Sample(new float[] {1f, 2f}));
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    try (URLClassLoader other = new URLClassLoader(new URL[] {main, tests}, ClassLoader.getPlatformClassLoader())) {
      Class<?> otherSample = Class.forName(Sample.class.getName(), false, other);
      Class<?> otherBytes = Class.forName(ObjectBytes.class.getName(), true, other);
      assertNotSame(Sample.class, otherSample);
      Method read = otherBytes.getMethod("read", byte[].class, Class.class, String.class);
      Method readShared = otherBytes.getMethod("readShared", byte[].class, Class.class, String.class);
      for (ClassLoader threads : new ClassLoader[] {context, other, null}) {
        Thread.currentThread().setContextClassLoader(threads);
        assertSame(otherSample, read.invoke(null, bytes, Object.class, "a task's result").getClass());
        assertSame(otherSample, readShared.invoke(null, bytes, Object.class, "a broadcast").getClass());
        // and this loader's copy still reads objects of this loader's classes
        assertSame(Sample.class, ObjectBytes.read(bytes, Object.class, "a task's result").getClass());
      }
      assertSame(Sample.class, ObjectBytes.readShared(bytes, Object.class, "a broadcast").getClass());
    } finally {
      Thread.currentThread().setContextClassLoader(context);
    }
  }
}
