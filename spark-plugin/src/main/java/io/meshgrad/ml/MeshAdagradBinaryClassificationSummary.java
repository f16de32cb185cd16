package io.meshgrad.ml;

import static org.apache.spark.sql.functions.col;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.mllib.evaluation.BinaryClassificationMetrics;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;
import scala.Tuple3;

/**
 * A {@link MeshAdagradClassificationSummary} for two classes with the curves of MLlib's {@code
 * BinaryClassificationSummary}: areaUnderROC, roc, pr and the per-threshold F-measure, precision
 * and recall, from Spark's public {@link BinaryClassificationMetrics} over the score (the
 * probability of class 1; the margin for a hinge model) with 100 bins, as MLlib's {@code
 * BinaryLogisticRegressionSummary}. {@code BinaryClassificationMetrics} caches an RDD of its
 * cumulative counts when it first computes them; this summary uncaches it after each call, so that
 * evaluating leaves no cached RDD behind (a later call computes the counts again).
 */
public class MeshAdagradBinaryClassificationSummary extends MeshAdagradClassificationSummary {
  private static final long serialVersionUID = 1L;

  private final String scoreCol;
  private transient BinaryClassificationMetrics binaryMetrics;

  MeshAdagradBinaryClassificationSummary(Dataset<Row> predictions, String predictionCol, String labelCol,
      String weightCol, String scoreCol) {
    super(predictions, predictionCol, labelCol, weightCol);
    this.scoreCol = scoreCol;
  }

  /** The column whose element 1 is the score (probabilityCol, or rawPredictionCol without probabilities). */
  public String scoreCol() {
    return scoreCol;
  }

  @Override
  public MeshAdagradBinaryClassificationSummary asBinary() {
    return this;
  }

  /** {@code metric} of the metrics, which are uncached afterwards. */
  private synchronized <T> T uncached(java.util.function.Function<BinaryClassificationMetrics, T> metric) {
    try {
      return metric.apply(binaryMetrics());
    } finally {
      binaryMetrics.unpersist();
    }
  }

  private BinaryClassificationMetrics binaryMetrics() {
    if (binaryMetrics == null) {
      JavaRDD<Tuple3<Double, Double, Double>> rows = predictions()
          .select(col(Fitting.quote(scoreCol)), label(), weight()).javaRDD()
          .map(r -> new Tuple3<>(((Vector) r.get(0)).apply(1), r.getDouble(1), r.getDouble(2)));
      binaryMetrics = new BinaryClassificationMetrics(rows.rdd(), 100);
    }
    return binaryMetrics;
  }

  /** Area under the ROC curve. */
  public double areaUnderROC() {
    return uncached(BinaryClassificationMetrics::areaUnderROC);
  }

  /** The ROC curve: columns FPR and TPR, starting at (0, 0) and ending at (1, 1). */
  public Dataset<Row> roc() {
    return curve(uncached(m -> m.roc().toJavaRDD()), "FPR", "TPR");
  }

  /** The precision-recall curve: columns recall and precision. */
  public Dataset<Row> pr() {
    return curve(uncached(m -> m.pr().toJavaRDD()), "recall", "precision");
  }

  /** Columns threshold and F-Measure (beta 1). */
  public Dataset<Row> fMeasureByThreshold() {
    return curve(uncached(m -> m.fMeasureByThreshold().toJavaRDD()), "threshold", "F-Measure");
  }

  /** Columns threshold and precision. */
  public Dataset<Row> precisionByThreshold() {
    return curve(uncached(m -> m.precisionByThreshold().toJavaRDD()), "threshold", "precision");
  }

  /** Columns threshold and recall. */
  public Dataset<Row> recallByThreshold() {
    return curve(uncached(m -> m.recallByThreshold().toJavaRDD()), "threshold", "recall");
  }

  private Dataset<Row> curve(JavaRDD<Tuple2<Object, Object>> points, String x, String y) {
    StructType schema = new StructType().add(x, DataTypes.DoubleType, false).add(y, DataTypes.DoubleType, false);
    return predictions().sparkSession().createDataFrame(points.map(t -> RowFactory.create(t._1(), t._2())), schema);
  }
}
