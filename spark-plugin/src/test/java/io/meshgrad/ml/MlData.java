package io.meshgrad.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;

import io.meshgrad.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.feature.ElementwiseProduct;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Data for the ml tests: the bundled a9a and mnist10k, and small synthetic frames. */
final class MlData {
  private MlData() {}

  static SparkSession spark() {
    return SparkTestSession.get();
  }

  static Path dataDir() {
    String dir = System.getProperty("meshgrad.data.dir");
    Path p = dir != null ? Path.of(dir) : Path.of("../data");
    if (!Files.isDirectory(p)) {
      throw new IllegalStateException("data directory not found: " + p.toAbsolutePath()
          + " (set -Dmeshgrad.data.dir)");
    }
    return p;
  }

  /** a9a ({@code a9a} or {@code a9a.t}) with labels mapped -1 to 0. */
  static Dataset<Row> a9a(String file) {
    Dataset<Row> raw = spark().read().format("libsvm").option("numFeatures", "123")
        .load(dataDir().resolve("a9a").resolve(file).toString());
    return raw.withColumn("label", when(col("label").lt(0), 0.0).otherwise(1.0));
  }

  /** mnist10k ({@code mnist10k.train} or {@code .test}) as stored: pixels 0..255. */
  static Dataset<Row> mnistRaw(String file) {
    return spark().read().format("libsvm").option("numFeatures", "784")
        .load(dataDir().resolve("mnist10k").resolve(file).toString());
  }

  /** mnist10k ({@code mnist10k.train} or {@code .test}) with features divided by 255. */
  static Dataset<Row> mnist(String file) {
    Dataset<Row> raw = spark().read().format("libsvm").option("numFeatures", "784")
        .load(dataDir().resolve("mnist10k").resolve(file).toString());
    double[] scale = new double[784];
    Arrays.fill(scale, 1.0 / 255.0);
    Dataset<Row> scaled = new ElementwiseProduct().setScalingVec(Vectors.dense(scale))
        .setInputCol("features").setOutputCol("scaled").transform(raw);
    return scaled.drop("features").withColumnRenamed("scaled", "features");
  }

  /** Spark's iris sample ({@code data/spark-mllib/sample_multiclass_classification_data.txt}): 150 rows, 4 features in [-1, 1], 3 classes. */
  static Dataset<Row> iris() {
    return spark().read().format("libsvm").option("numFeatures", "4")
        .load(dataDir().resolve("spark-mllib").resolve("sample_multiclass_classification_data.txt").toString());
  }

  /** Spark's regression sample ({@code data/spark-mllib/sample_linear_regression_data.txt}): 501 rows, 10 features. */
  static Dataset<Row> linearRegressionSample() {
    return spark().read().format("libsvm").option("numFeatures", "10")
        .load(dataDir().resolve("spark-mllib").resolve("sample_linear_regression_data.txt").toString());
  }

  /** Fraction of rows whose prediction equals the label. */
  static double accuracy(Dataset<Row> predictions) {
    long n = predictions.count();
    long right = predictions.filter(col("prediction").equalTo(col("label"))).count();
    return (double) right / n;
  }

  /**
   * {@code n} rows with columns x1, x2, x3 (doubles), a binary label from a noisy linear rule, a
   * 3-class label, a regression label {@code 2 (x1 - 10) / 3 - 30 x2 + 0.5 x3 + 1 + noise} (about unit scale once the
   * features are standardized), and a boolean
   * {@code isVal} (every 5th row).
   */
  static Dataset<Row> synthetic(int n, long seed) {
    Random rnd = new Random(seed);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double x1 = rnd.nextGaussian() * 3 + 10; // deliberately off-centre and wide: StandardScaler matters
      double x2 = rnd.nextGaussian() * 0.1;
      double x3 = rnd.nextGaussian();
      double z = (x1 - 10) / 3 - 10 * x2 + 0.5 * x3 + 0.3 * rnd.nextGaussian();
      double binary = z > 0 ? 1.0 : 0.0;
      double multi = z < -0.7 ? 0.0 : z < 0.7 ? 1.0 : 2.0;
      double y = 2 * (x1 - 10) / 3 - 30 * x2 + 0.5 * x3 + 1 + 0.1 * rnd.nextGaussian();
      rows.add(RowFactory.create(x1, x2, x3, binary, multi, y, i % 5 == 0));
    }
    StructType schema = new StructType()
        .add("x1", DataTypes.DoubleType).add("x2", DataTypes.DoubleType).add("x3", DataTypes.DoubleType)
        .add("binary", DataTypes.DoubleType).add("multi", DataTypes.DoubleType).add("y", DataTypes.DoubleType)
        .add("isVal", DataTypes.BooleanType);
    return spark().createDataFrame(rows, schema);
  }

  /** A frame of (features, label) from explicit vectors and labels. */
  static Dataset<Row> frame(List<Vector> features, double[] labels) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < labels.length; i++) {
      rows.add(RowFactory.create(features.get(i), labels[i]));
    }
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
    return spark().createDataFrame(rows, schema);
  }
}
