package io.meshgrad.ml;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;

import io.meshgrad.model.FactorizationMachine;
import io.meshgrad.tensor.Tensor;
import io.meshgrad.train.TrainingResult;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** The fit shared by the two factorization machine estimators. */
final class FMFitting {
  private FMFitting() {}

  /** What a fit gives the estimator: the weights and how training went. */
  record Fitted(FMWeights weights, TrainingResult result) {}

  /**
   * Trains a {@link FactorizationMachine} with {@code p}'s params (conf defaults already applied;
   * {@code p} is the caller's own copy and gets {@code batchSize} from {@code miniBatchFraction}).
   *
   * @param loss {@code logistic} or {@code squaredError}
   */
  static <S extends MeshFMSetters<S>> Fitted train(S p, Dataset<Row> df, String featuresCol, String labelCol,
      String loss) {
    applyMiniBatchFraction(p, df);
    int k = p.getFactorSize();
    boolean fitIntercept = p.getFitIntercept();
    boolean fitLinear = p.getFitLinear();
    double initStd = p.getInitStd();
    FactorizationMachine[] built = new FactorizationMachine[1];
    io.meshgrad.loss.ScalarMarginLoss marginLoss = FMWeights.marginLoss(loss);
    TrainingResult r = Fitting.train(p, df, featuresCol, labelCol, marginLoss::validateLabel,
        numFeatures -> built[0] = new FactorizationMachine(numFeatures, k, fitIntercept, fitLinear, initStd,
            marginLoss));
    List<double[]> trained = new ArrayList<>();
    for (Tensor t : r.weights()) {
      trained.add(t.toDoubleArray());
    }
    return new Fitted(FMWeights.fromTraining(built[0], loss, trained), r);
  }

  /**
   * With {@code miniBatchFraction < 1}, sets {@code batchSize = ceil(fraction * training rows)}
   * (the rows not held out for validation); one count of the rows.
   *
   * @throws IllegalArgumentException when batchSize is set too
   */
  private static <S extends MeshFMSetters<S>> void applyMiniBatchFraction(S p, Dataset<Row> df) {
    double fraction = p.getMiniBatchFraction();
    if (fraction >= 1.0) {
      return;
    }
    if (p.getBatchSize() > 0) {
      throw new IllegalArgumentException("set at most one of miniBatchFraction and batchSize: got miniBatchFraction="
          + fraction + " and batchSize=" + p.getBatchSize());
    }
    Dataset<Row> trainRows = df;
    String validationCol = Fitting.validationCol(p);
    if (validationCol != null && java.util.Arrays.asList(df.columns()).contains(validationCol)) {
      trainRows = df.filter(not(coalesce(col(Fitting.quote(validationCol)), lit(false))));
    }
    long rows = trainRows.count();
    long batch = Math.max(1, (long) Math.ceil(fraction * rows));
    p.setBatchSize((int) Math.min(Integer.MAX_VALUE, batch));
  }
}
