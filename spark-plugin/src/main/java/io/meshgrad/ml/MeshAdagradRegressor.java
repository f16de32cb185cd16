package io.meshgrad.ml;

import io.meshgrad.loss.LeastSquaresLoss;
import io.meshgrad.train.TrainingResult;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.Regressor;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;

/**
 * Linear regression (least squares, {@code loss_i = (w.x_i + b - y_i)^2 / 2}, plus {@code
 * regParam/2 ||w||^2}) trained with meshgrad's Keras-faithful Adagrad on a device mesh.
 *
 * <pre>{@code
 * MeshAdagradRegressor reg = new MeshAdagradRegressor().setLearningRate(0.1).setMaxIter(200);
 * MeshAdagradRegressionModel model = reg.fit(train);
 * }</pre>
 *
 * <p>No implicit standardization of features or labels (unlike Spark's {@code LinearRegression}):
 * the optimizer sees them as given, as in Keras; compose a {@code StandardScaler} when needed. Labels
 * of very large magnitude make the squared loss overflow; {@code onNonFiniteGradient} decides what
 * then happens (by default the fit fails naming the step).
 *
 * <p>Params, defaults and the {@code spark.meshgrad.*} configuration keys: see the {@linkplain
 * io.meshgrad.ml package documentation}.
 */
public class MeshAdagradRegressor
    extends Regressor<Vector, MeshAdagradRegressor, MeshAdagradRegressionModel>
    implements MeshAdagradParams, MeshgradSetters<MeshAdagradRegressor>, MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final ParamSet params;

  /** An estimator with a random uid and default params. */
  public MeshAdagradRegressor() {
    this(Identifiable.randomUID("meshAdagradRegressor"));
  }

  /** An estimator with the given uid (used by {@code copy} and loading). */
  public MeshAdagradRegressor(String uid) {
    this(Uids.stage(uid), 0);
  }

  private MeshAdagradRegressor(String uid, int marker) {
    super();
    this.uid = Uids.take(uid);
    this.params = new ParamSet(this, false);
  }

  @Override
  public String uid() {
    return uid != null ? uid : Uids.pending();
  }

  @Override
  public ParamSet meshgradParams() {
    return params;
  }

  /**
   * Trains on {@code dataset} (Spark's {@code fit} calls this after checking the schema).
   *
   * @throws IllegalArgumentException for invalid params, columns or rows
   * @throws io.meshgrad.train.NonFiniteGradientException under {@code onNonFiniteGradient=error}
   */
  @Override
  public MeshAdagradRegressionModel train(Dataset<?> dataset) {
    MeshAdagradRegressor p = Fitting.withConfDefaults(copy(ParamMap.empty()), dataset.sparkSession());
    TrainingResult r = Fitting.train(p, dataset.toDF(), p.getFeaturesCol(), p.getLabelCol(), new LeastSquaresLoss());
    double[] coefficients = r.coefficients().toDoubleArray();
    double[] intercept = r.intercept() != null ? r.intercept().toDoubleArray() : new double[1];
    LinearWeights weights = new LinearWeights(coefficients.length, 1, coefficients, intercept);
    MeshAdagradRegressionModel model =
        new MeshAdagradRegressionModel(uid(), new ModelData(weights.numFeatures(), 0, "squaredError", weights));
    Fitting.copyParams(p, model);
    model.setSummary(new MeshgradTrainingSummary(r));
    return model;
  }

  /** Spark's schema check plus the meshgrad columns (weightCol numeric, validationIndicatorCol boolean). */
  @Override
  public StructType transformSchema(StructType schema) {
    Fitting.checkColumns(this, schema);
    return super.transformSchema(schema);
  }

  /**
   * Spark's explanation of the param, with its source when its value comes from a {@code
   * spark.meshgrad.<name>} Spark conf key (see the package documentation).
   */
  @Override
  public String explainParam(org.apache.spark.ml.param.Param<?> param) {
    return ConfDefaults.explain(this, param, super.explainParam(param));
  }

  @Override
  public MeshAdagradRegressor copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** Saves the params (see the package documentation for the layout). */
  @Override
  public MLWriter write() {
    return new StageWriter(this, null);
  }

  /** A reader for {@link #load}, as Spark's {@code Pipeline} loading expects. */
  public static MLReader<MeshAdagradRegressor> read() {
    return new StageReader<>(MeshAdagradRegressor.class, false, (uid, data) -> new MeshAdagradRegressor(uid));
  }

  /** Loads an estimator saved with {@code write().save(path)}. */
  public static MeshAdagradRegressor load(String path) {
    return read().load(path);
  }
}
