package io.meshgrad.examples.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;

import io.meshgrad.data.PartitionRows;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.loss.Instance;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.mllib.linalg.Vectors;
import org.apache.spark.mllib.util.MLUtils;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/** The data both sides read: a9a, and the same cached partitions in the forms MLlib takes. */
final class Fixtures {
  static final int A9A_FEATURES = 123;
  static final StructType SCHEMA = new StructType()
      .add("features", SQLDataTypes.VectorType())
      .add("label", DataTypes.DoubleType);

  private Fixtures() {}

  /** Rows kept of each a9a file in smoke mode (tests), where only the plumbing is checked. */
  static final int SMOKE_ROWS = 2000;

  /** {@link #a9a(SparkSession, Path, String)} for a suite: its first {@link #SMOKE_ROWS} rows in smoke mode. */
  static Dataset<Row> a9a(BenchContext ctx, String file) {
    Dataset<Row> all = a9a(ctx.spark(), ctx.dataDir(), file);
    return ctx.mode() == BenchContext.Mode.SMOKE ? all.limit(SMOKE_ROWS) : all;
  }

  /** a9a ({@code "a9a"} training, {@code "a9a.t"} test), 123 features, labels -1/+1 mapped to 0/1. */
  static Dataset<Row> a9a(SparkSession spark, Path dataDir, String file) {
    Dataset<Row> raw = spark.read().format("libsvm").option("numFeatures", String.valueOf(A9A_FEATURES))
        .load(dataDir.resolve("a9a").resolve(file).toString());
    return raw.select(col("features"), when(col("label").gt(0), 1.0).otherwise(0.0).as("label"));
  }

  /**
   * meshgrad's cached rows as MLlib's {@code RDD[(Double, mllib.Vector)]}: the same partitions
   * (same rows, same order), a bias feature appended ({@code MLUtils.appendBias}) so that MLlib
   * fits the same {@code d + 1} parameters as meshgrad's coefficients and intercept. Persisted in
   * memory and materialised; unpersist it when done.
   */
  static JavaRDD<Tuple2<Object, org.apache.spark.mllib.linalg.Vector>> mllibRows(TrainingData data) {
    JavaRDD<Tuple2<Object, org.apache.spark.mllib.linalg.Vector>> rows = data.rdd().flatMap(pr -> {
      List<Tuple2<Object, org.apache.spark.mllib.linalg.Vector>> out = new ArrayList<>(pr.numRows());
      for (int i = 0; i < pr.numRows(); i++) {
        Instance r = pr.row(i);
        out.add(new Tuple2<>(r.label(), MLUtils.appendBias(Vectors.fromML(r.features()))));
      }
      return out.iterator();
    });
    rows.setName("bench: MLlib rows");
    rows.persist(StorageLevel.MEMORY_ONLY());
    rows.count();
    return rows;
  }

  /** meshgrad's cached rows as a cached DataFrame of {@link #SCHEMA}, same partitions and order. */
  static Dataset<Row> frame(SparkSession spark, TrainingData data) {
    JavaRDD<Row> rows = data.rdd().flatMap(pr -> rowsOf(pr).iterator());
    Dataset<Row> df = spark.createDataFrame(rows, SCHEMA);
    df.persist(StorageLevel.MEMORY_ONLY());
    df.count();
    return df;
  }

  private static List<Row> rowsOf(PartitionRows pr) {
    List<Row> out = new ArrayList<>(pr.numRows());
    for (int i = 0; i < pr.numRows(); i++) {
      Instance r = pr.row(i);
      out.add(RowFactory.create(r.features(), r.label()));
    }
    return out;
  }

  /** Test rows collected once, for accuracy checks on the driver outside the timed region. */
  static final class TestSet {
    private final List<Vector> features = new ArrayList<>();
    private final double[] labels;

    TestSet(List<Row> rows) {
      labels = new double[rows.size()];
      for (int i = 0; i < rows.size(); i++) {
        features.add((Vector) rows.get(i).get(0));
        labels[i] = rows.get(i).getDouble(1);
      }
    }

    int size() {
      return labels.length;
    }

    /** Fraction of rows whose margin's sign matches the 0/1 label, with meshgrad's own margins. */
    double accuracy(BlockLoss loss, double[] coefficients, double[] intercept) {
      int correct = 0;
      for (int i = 0; i < labels.length; i++) {
        double m = loss.margins(features.get(i), coefficients, intercept)[0];
        correct += (m > 0 ? 1.0 : 0.0) == labels[i] ? 1 : 0;
      }
      return (double) correct / labels.length;
    }

    /** The area under the ROC curve of {@code scorer}'s scores on these rows (0/1 labels). */
    double auc(FmVsMllibSuite.Scorer scorer) {
      double[] scores = new double[labels.length];
      for (int i = 0; i < labels.length; i++) {
        scores[i] = scorer.score(features.get(i));
      }
      return FmVsMllibSuite.auc(scores, labels);
    }

    /** The same for an MLlib model's coefficients and intercept. */
    double accuracy(Vector coefficients, double intercept) {
      int correct = 0;
      for (int i = 0; i < labels.length; i++) {
        double m = dot(features.get(i), coefficients) + intercept;
        correct += (m > 0 ? 1.0 : 0.0) == labels[i] ? 1 : 0;
      }
      return (double) correct / labels.length;
    }

    private static double dot(Vector x, Vector w) {
      if (x instanceof SparseVector sv) {
        double s = 0;
        int[] idx = sv.indices();
        double[] v = sv.values();
        for (int p = 0; p < idx.length; p++) {
          s += v[p] * w.apply(idx[p]);
        }
        return s;
      }
      return x.dot(w);
    }
  }
}
