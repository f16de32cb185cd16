package io.meshgrad.ml;

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
 * Regression with a factorization machine (Rendle's second-order FM, squared loss {@code (m -
 * y)^2 / 2}) trained with meshgrad's Keras-faithful Adagrad on a device mesh; MLlib's {@code
 * FMRegressor} with meshgrad's optimizer, meshes and params. See {@link MeshFMClassifier} for the
 * model and the params.
 *
 * <pre>{@code
 * MeshFMRegressionModel model = new MeshFMRegressor().setFactorSize(4).setLearningRate(0.05).fit(train);
 * }</pre>
 */
public class MeshFMRegressor extends Regressor<Vector, MeshFMRegressor, MeshFMRegressionModel>
    implements MeshFMSetters<MeshFMRegressor>, MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final ParamSet params;
  private final FMParamSet fmParams;

  /** An estimator with a random uid and default params. */
  public MeshFMRegressor() {
    this(Identifiable.randomUID("meshFMRegressor"));
  }

  /** An estimator with the given uid (used by {@code copy} and loading). */
  public MeshFMRegressor(String uid) {
    this(Uids.stage(uid), 0);
  }

  private MeshFMRegressor(String uid, int marker) {
    super();
    this.uid = Uids.take(uid);
    this.params = new ParamSet(this, false);
    this.fmParams = new FMParamSet(this);
  }

  @Override
  public String uid() {
    return uid != null ? uid : Uids.pending();
  }

  @Override
  public ParamSet meshgradParams() {
    return params;
  }

  @Override
  public FMParamSet fmParams() {
    return fmParams;
  }

  /**
   * Trains on {@code dataset} (Spark's {@code fit} calls this after checking the schema).
   *
   * @throws IllegalArgumentException for invalid params, columns or rows
   * @throws io.meshgrad.train.NonFiniteGradientException under {@code onNonFiniteGradient=error}
   */
  @Override
  public MeshFMRegressionModel train(Dataset<?> dataset) {
    MeshFMRegressor p = Fitting.withConfDefaults(copy(ParamMap.empty()), dataset.sparkSession());
    FMFitting.Fitted fitted = FMFitting.train(p, dataset.toDF(), p.getFeaturesCol(), p.getLabelCol(), "squaredError");
    MeshFMRegressionModel model = new MeshFMRegressionModel(uid(), fitted.weights());
    Fitting.copyParams(p, model);
    model.setSummary(new MeshgradTrainingSummary(fitted.result()));
    return model;
  }

  /** Spark's schema check plus the meshgrad columns. */
  @Override
  public StructType transformSchema(StructType schema) {
    Fitting.checkColumns(this, schema);
    return super.transformSchema(schema);
  }

  @Override
  public MeshFMRegressor copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** Saves the params (see the package documentation for the layout). */
  @Override
  public MLWriter write() {
    return new StageWriter(this, null);
  }

  /** A reader for {@link #load}, as Spark's {@code Pipeline} loading expects. */
  public static MLReader<MeshFMRegressor> read() {
    return new StageReader<>(MeshFMRegressor.class, false, (uid, data) -> new MeshFMRegressor(uid));
  }

  /** Loads an estimator saved with {@code write().save(path)}. */
  public static MeshFMRegressor load(String path) {
    return read().load(path);
  }

  /** Spark's explanation, plus where a {@code spark.meshgrad.*} conf default came from. */
  @Override
  public String explainParam(org.apache.spark.ml.param.Param<?> param) {
    return ConfDefaults.explain(this, param, super.explainParam(param));
  }
}
