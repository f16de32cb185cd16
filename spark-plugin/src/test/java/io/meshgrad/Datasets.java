package io.meshgrad;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

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

  /**
   * a9a's first {@code rows} training rows with feature {@code j} moved to {@code j * stride} of
   * {@code dim} (sorted, distinct while {@code 123 * stride <= dim}): a step touches few rows of a
   * large model. Columns {@code label} (0/1) and {@code features}.
   */
  public static Dataset<Row> spreadA9a(SparkSession spark, int rows, int dim, int stride) {
    List<Row> out = new ArrayList<>();
    for (Row r : a9a(spark, "a9a").limit(rows).collectAsList()) {
      SparseVector x = ((Vector) r.getAs("features")).toSparse();
      int[] idx = new int[x.indices().length];
      for (int k = 0; k < idx.length; k++) {
        idx[k] = x.indices()[k] * stride;
      }
      out.add(RowFactory.create(r.<Double>getAs("label"), Vectors.sparse(dim, idx, x.values())));
    }
    StructType schema = new StructType()
        .add("label", DataTypes.DoubleType)
        .add("features", new VectorUDT());
    return spark.createDataFrame(out, schema);
  }
}
