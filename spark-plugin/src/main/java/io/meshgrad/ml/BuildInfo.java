package io.meshgrad.ml;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What this jar was built with: its own version and the Spark and Scala versions it was compiled
 * against (from {@code io/meshgrad/ml/build.properties}, filled in by Maven). The Python package
 * compares {@link #sparkVersion()} with PySpark's version before it creates a stage.
 */
public final class BuildInfo {
  private static final Properties PROPERTIES = load();

  private BuildInfo() {}

  /** The meshgrad version, e.g. {@code 0.1.0-SNAPSHOT}. */
  public static String version() {
    return PROPERTIES.getProperty("version");
  }

  /** The Spark version this jar was compiled against, e.g. {@code 4.0.1}. */
  public static String sparkVersion() {
    return PROPERTIES.getProperty("sparkVersion");
  }

  /** The Scala binary version of that Spark build, e.g. {@code 2.13}. */
  public static String scalaBinaryVersion() {
    return PROPERTIES.getProperty("scalaBinaryVersion");
  }

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
      if (in == null) {
        throw new IllegalStateException("io/meshgrad/ml/build.properties is missing from the meshgrad jar");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read io/meshgrad/ml/build.properties", e);
    }
    return p;
  }
}
