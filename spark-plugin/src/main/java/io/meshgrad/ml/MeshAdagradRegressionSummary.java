package io.meshgrad.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.io.Serializable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.regression.RegressionModel;
import org.apache.spark.mllib.evaluation.RegressionMetrics;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import scala.Tuple3;

/**
 * How a regression model does on a dataset, with the names of MLlib's {@code
 * LinearRegressionSummary}: rootMeanSquaredError, meanSquaredError, meanAbsoluteError, r2, r2adj,
 * explainedVariance, residuals, numInstances. Rows count with their {@code weightCol} weight when
 * the model has one. The numbers come from Spark's public {@link RegressionMetrics} (through the
 * origin when the model has no intercept, as MLlib), computed on first use.
 */
public class MeshAdagradRegressionSummary implements Serializable {
  private static final long serialVersionUID = 1L;

  private final transient Dataset<Row> predictions;
  private final String predictionCol;
  private final String labelCol;
  private final String weightCol;
  private final int numFeatures;
  private final boolean fitIntercept;
  private transient RegressionMetrics metrics;
  private transient Long numInstances;

  MeshAdagradRegressionSummary(Dataset<Row> predictions, String predictionCol, String labelCol, String weightCol,
      int numFeatures, boolean fitIntercept) {
    this.predictions = predictions;
    this.predictionCol = predictionCol;
    this.labelCol = labelCol;
    this.weightCol = weightCol;
    this.numFeatures = numFeatures;
    this.fitIntercept = fitIntercept;
  }

  /**
   * The summary of {@code model} (any meshgrad regression model) on {@code dataset}.
   *
   * @param model a regression model that implements {@link MeshgradParams}
   * @throws IllegalArgumentException naming the column when the label or weight column is missing
   */
  static MeshAdagradRegressionSummary of(RegressionModel<Vector, ?> model, Dataset<?> dataset) {
    MeshgradParams params = (MeshgradParams) model;
    String weightCol = Fitting.weightCol(params);
    MeshAdagradClassificationSummary.requireColumns(dataset, model.getLabelCol(), weightCol);
    return new MeshAdagradRegressionSummary(model.transform(dataset), model.getPredictionCol(), model.getLabelCol(),
        weightCol == null ? "" : weightCol, model.numFeatures(), params.getFitIntercept());
  }

  private Column label() {
    return col(Fitting.quote(labelCol)).cast(DataTypes.DoubleType);
  }

  private synchronized RegressionMetrics metrics() {
    if (metrics == null) {
      Column weight = weightCol.isEmpty() ? lit(1.0) : col(Fitting.quote(weightCol)).cast(DataTypes.DoubleType);
      JavaRDD<Tuple3<Double, Double, Double>> rows = predictions
          .select(col(Fitting.quote(predictionCol)), label(), weight).javaRDD()
          .map(r -> new Tuple3<>(r.getDouble(0), r.getDouble(1), r.getDouble(2)));
      metrics = new RegressionMetrics(rows.rdd(), !fitIntercept);
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

  public double rootMeanSquaredError() {
    return metrics().rootMeanSquaredError();
  }

  public double meanSquaredError() {
    return metrics().meanSquaredError();
  }

  public double meanAbsoluteError() {
    return metrics().meanAbsoluteError();
  }

  /** The coefficient of determination. */
  public double r2() {
    return metrics().r2();
  }

  /** R^2 adjusted for the number of features: {@code 1 - (1 - r2) (n - i) / (n - d - i)}, i = 1 with an intercept. */
  public double r2adj() {
    long interceptDof = fitIntercept ? 1 : 0;
    return 1 - (1 - r2()) * (numInstances() - interceptDof) / (numInstances() - numFeatures - interceptDof);
  }

  public double explainedVariance() {
    return metrics().explainedVariance();
  }

  /** Number of evaluated rows. */
  public synchronized long numInstances() {
    if (numInstances == null) {
      numInstances = predictions.count();
    }
    return numInstances;
  }

  /** One column, residuals: label - prediction. */
  public Dataset<Row> residuals() {
    return predictions.select(label().minus(col(Fitting.quote(predictionCol))).as("residuals"));
  }
}
