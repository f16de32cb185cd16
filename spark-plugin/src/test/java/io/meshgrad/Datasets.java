package io.meshgrad;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The datasets bundled under {@code data/} (found through the {@code meshgrad.data.dir} property). */
public final class Datasets {
  private Datasets() {}

  /** The bundled data folder. */
  public static Path dataDir() {
    Path dir = Path.of(System.getProperty("meshgrad.data.dir", "../data"));
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException("bundled data folder not found at " + dir.toAbsolutePath());
    }
    return dir;
  }

  /**
   * a9a ({@code "a9a"} for training, {@code "a9a.t"} for test): 123 features, labels mapped from
   * -1/+1 to 0/1.
   */
  public static Dataset<Row> a9a(SparkSession spark, String file) {
    Dataset<Row> raw = spark.read().format("libsvm").option("numFeatures", "123")
        .load(dataDir().resolve("a9a").resolve(file).toString());
    return raw.withColumn("label", when(col("label").gt(0), 1.0).otherwise(0.0));
  }
}
