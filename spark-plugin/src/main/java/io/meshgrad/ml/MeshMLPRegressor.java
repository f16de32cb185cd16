package io.meshgrad.ml;

import io.meshgrad.model.MultilayerPerceptron;
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
 * A multilayer perceptron regressor: the network of {@link MeshMLPClassifier} with one linear
 * output unit and the squared error {@code (prediction - label)^2 / 2} (averaged with the row
 * weights, as {@link MeshAdagradRegressor}). {@code layers} ends with 1; without it the network is
 * {@code [features' size, hiddenLayers..., 1]}. Labels are any finite numbers; as with the linear
 * stages, features (and labels of a very different scale) are used as given, so standardize them.
 */
public class MeshMLPRegressor extends Regressor<Vector, MeshMLPRegressor, MeshMLPRegressionModel>
    implements MeshMLPSetters<MeshMLPRegressor>, MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final ParamSet params;
  private final NetworkParamSet network;

  /** An estimator with a random uid and default params. */
  public MeshMLPRegressor() {
    this(Identifiable.randomUID("meshMLPRegressor"));
  }

  /** An estimator with the given uid (used by {@code copy} and loading). */
  public MeshMLPRegressor(String uid) {
    this(Uids.stage(uid), 0);
  }

  private MeshMLPRegressor(String uid, int marker) {
    super();
    this.uid = Uids.take(uid);
    this.params = new ParamSet(this, false);
    this.network = new NetworkParamSet(this);
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
  public NetworkParamSet networkParams() {
    return network;
  }

  /**
   * Trains on {@code dataset} (Spark's {@code fit} calls this after checking the schema).
   *
   * @throws IllegalArgumentException for invalid params, columns or rows
   * @throws io.meshgrad.train.NonFiniteGradientException under {@code onNonFiniteGradient=error}
   */
  @Override
  public MeshMLPRegressionModel train(Dataset<?> dataset) {
    if (isSet(fitIntercept()) && !getFitIntercept()) {
      throw new IllegalArgumentException("fitIntercept=false does not apply to MeshMLPRegressor: every dense layer"
          + " has a bias; leave fitIntercept unset (or true)");
    }
    MeshMLPRegressor p = Fitting.withConfDefaults(copy(ParamMap.empty()), dataset.sparkSession());
    NetworkFitting.Fitted fitted = NetworkFitting.train(p, dataset.toDF(), MultilayerPerceptron.Output.SQUARED_ERROR,
        1, MultilayerPerceptron::validateRegressionLabel);
    MeshMLPRegressionModel model = new MeshMLPRegressionModel(uid(), fitted.data());
    Fitting.copyParams(p, model);
    model.setSummary(new MeshgradTrainingSummary(fitted.result()));
    return model;
  }

  /** Spark's schema check plus the meshgrad columns (weightCol numeric, validationIndicatorCol boolean). */
  @Override
  public StructType transformSchema(StructType schema) {
    Fitting.checkColumns(this, schema);
    return super.transformSchema(schema);
  }

  /** Spark's explanation, plus where a value comes from a {@code spark.meshgrad.*} conf key. */
  @Override
  public String explainParam(org.apache.spark.ml.param.Param<?> param) {
    return ConfDefaults.explain(this, param, super.explainParam(param));
  }

  @Override
  public MeshMLPRegressor copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** Saves the params (see the package documentation for the layout). */
  @Override
  public MLWriter write() {
    return new StageWriter(this, null);
  }

  /** A reader for {@link #load}, as Spark's {@code Pipeline} loading expects. */
  public static MLReader<MeshMLPRegressor> read() {
    return new StageReader<>(MeshMLPRegressor.class, false, (uid, data) -> new MeshMLPRegressor(uid));
  }

  /** Loads an estimator saved with {@code write().save(path)}. */
  public static MeshMLPRegressor load(String path) {
    return read().load(path);
  }
}
