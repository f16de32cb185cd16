package io.meshgrad.hygiene;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Small synthetic classification data, the same for a seed: fast to load, a model of a few weights. */
final class SmallData {
  private SmallData() {}

  /**
   * {@code rows} rows of {@code features} features (every third row sparse), labels in
   * {@code 0 .. classes-1} from a fixed linear model plus noise, in 3 input partitions.
   */
  static Dataset<Row> frame(SparkSession spark, int rows, int features, int classes, long seed) {
    Random rnd = new Random(seed);
    double[][] truth = new double[classes][features];
    for (double[] w : truth) {
      for (int j = 0; j < features; j++) {
        w[j] = rnd.nextGaussian();
      }
    }
    List<Row> out = new ArrayList<>(rows);
    for (int i = 0; i < rows; i++) {
      double[] x = new double[features];
      for (int j = 0; j < features; j++) {
        x[j] = i % 3 == 0 && rnd.nextInt(4) != 0 ? 0 : rnd.nextGaussian();
      }
      int label = 0;
      double best = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < classes; k++) {
        double m = rnd.nextGaussian() * 0.5;
        for (int j = 0; j < features; j++) {
          m += truth[k][j] * x[j];
        }
        if (m > best) {
          best = m;
          label = k;
        }
      }
      Vector v = i % 3 == 0 ? Vectors.dense(x).toSparse() : Vectors.dense(x);
      out.add(RowFactory.create(v, (double) label));
    }
    StructType schema = new StructType()
        .add("features", SQLDataTypes.VectorType())
        .add("label", DataTypes.DoubleType);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    return spark.createDataFrame(jsc.parallelize(out, 3), schema);
  }
}
