package io.meshgrad.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.io.Serializable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.mllib.evaluation.MulticlassMetrics;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import scala.Tuple3;

/**
 * How a classification model does on a dataset, with the names of MLlib's {@code
 * ClassificationSummary} (what {@code LogisticRegressionModel.evaluate} returns): accuracy, the
 * labels and per-label true/false positive rate, precision, recall and F-measure, and their
 * weighted averages. Rows count with their {@code weightCol} weight when the model has one. The
 * numbers come from Spark's public {@link MulticlassMetrics}; each is computed on first use (a
 * Spark job over the predictions), as MLlib's are.
 *
 * <p>For a model of two classes {@code evaluate} returns a {@link
 * MeshAdagradBinaryClassificationSummary}, which adds areaUnderROC, roc and pr ({@link #asBinary()}).
 */
public class MeshAdagradClassificationSummary implements Serializable {
  private static final long serialVersionUID = 1L;

  private final transient Dataset<Row> predictions;
  private final String predictionCol;
  private final String labelCol;
  private final String weightCol;
  private transient MulticlassMetrics metrics;

  /**
   * @param predictions the model's output (its transform of the evaluated dataset)
   * @param weightCol the row weight column, or empty for weight 1
   */
  MeshAdagradClassificationSummary(Dataset<Row> predictions, String predictionCol, String labelCol,
      String weightCol) {
    this.predictions = predictions;
    this.predictionCol = predictionCol;
    this.labelCol = labelCol;
    this.weightCol = weightCol;
  }

  /**
   * The summary of {@code model} (any meshgrad classification model) on {@code dataset}: its
   * predictions, then MLlib's metrics; binary (roc, pr, areaUnderROC) when the model has 2 classes.
   * The score of the binary metrics is the probability of class 1, or for a model without
   * probabilities its rawPrediction of class 1.
   *
   * @param model a classification model that implements {@link MeshgradParams}
   * @param givesProbabilities whether the model fills a probability column (false for hinge)
   * @throws IllegalArgumentException naming the column when the label or weight column is missing
   */
  static MeshAdagradClassificationSummary of(ProbabilisticClassificationModel<Vector, ?> model, Dataset<?> dataset,
      boolean givesProbabilities) {
    String weightCol = Fitting.weightCol((MeshgradParams) model);
    requireColumns(dataset, model.getLabelCol(), weightCol);
    Dataset<Row> predictions = model.transform(dataset);
    String w = weightCol == null ? "" : weightCol;
    if (model.numClasses() == 2) {
      boolean probability = givesProbabilities && !model.getProbabilityCol().isEmpty();
      String scoreCol = probability ? model.getProbabilityCol() : model.getRawPredictionCol();
      return new MeshAdagradBinaryClassificationSummary(predictions, model.getPredictionCol(), model.getLabelCol(),
          w, scoreCol);
    }
    return new MeshAdagradClassificationSummary(predictions, model.getPredictionCol(), model.getLabelCol(), w);
  }

  /** Checks that the label (and weight) column exists before any job runs. */
  static void requireColumns(Dataset<?> dataset, String labelCol, String weightCol) {
    Fitting.field(dataset.schema(), labelCol, "labelCol");
    if (weightCol != null) {
      Fitting.field(dataset.schema(), weightCol, "weightCol");
    }
  }

  /** The weight column as a double column, 1.0 when there is none. */
  Column weight() {
    return weightCol.isEmpty() ? lit(1.0) : col(Fitting.quote(weightCol)).cast(DataTypes.DoubleType);
  }

  /** The label column as a double column. */
  Column label() {
    return col(Fitting.quote(labelCol)).cast(DataTypes.DoubleType);
  }

  private synchronized MulticlassMetrics metrics() {
    if (metrics == null) {
      JavaRDD<Tuple3<Double, Double, Double>> rows = predictions
          .select(col(Fitting.quote(predictionCol)), label(), weight()).javaRDD()
          .map(r -> new Tuple3<>(r.getDouble(0), r.getDouble(1), r.getDouble(2)));
      metrics = new MulticlassMetrics(rows.rdd());
    }
    return metrics;
  }

  /** The model's output on the evaluated dataset. */
  public Dataset<Row> predictions() {
    return predictions;
  }

  public String predictionCol() {
    return predictionCol;
  }

  public String labelCol() {
    return labelCol;
  }

  /** The weight column, or empty when every row weighs 1. */
  public String weightCol() {
    return weightCol;
  }

  /** This summary as a binary one. @throws UnsupportedOperationException for more than 2 classes */
  public MeshAdagradBinaryClassificationSummary asBinary() {
    throw new UnsupportedOperationException("the model has more than 2 classes: its summary is not binary");
  }

  /** The labels, in ascending order. */
  public double[] labels() {
    return metrics().labels();
  }

  /** Weighted fraction of rows predicted right. */
  public double accuracy() {
    return metrics().accuracy();
  }

  /** Recall of each label, in the order of {@link #labels()}. */
  public double[] truePositiveRateByLabel() {
    return recallByLabel();
  }

  /** False positive rate of each label. */
  public double[] falsePositiveRateByLabel() {
    return byLabel(metrics()::falsePositiveRate);
  }

  /** Precision of each label. */
  public double[] precisionByLabel() {
    return byLabel(metrics()::precision);
  }

  /** Recall of each label. */
  public double[] recallByLabel() {
    return byLabel(metrics()::recall);
  }

  /** F-measure of each label for {@code beta}. */
  public double[] fMeasureByLabel(double beta) {
    return byLabel(l -> metrics().fMeasure(l, beta));
  }

  /** F1 of each label. */
  public double[] fMeasureByLabel() {
    return fMeasureByLabel(1.0);
  }

  public double weightedTruePositiveRate() {
    return metrics().weightedTruePositiveRate();
  }

  public double weightedFalsePositiveRate() {
    return metrics().weightedFalsePositiveRate();
  }

  public double weightedRecall() {
    return metrics().weightedRecall();
  }

  public double weightedPrecision() {
    return metrics().weightedPrecision();
  }

  public double weightedFMeasure(double beta) {
    return metrics().weightedFMeasure(beta);
  }

  public double weightedFMeasure() {
    return metrics().weightedFMeasure();
  }

  private double[] byLabel(java.util.function.DoubleUnaryOperator metric) {
    double[] labels = labels();
    double[] out = new double[labels.length];
    for (int i = 0; i < labels.length; i++) {
      out[i] = metric.applyAsDouble(labels[i]);
    }
    return out;
  }
}
