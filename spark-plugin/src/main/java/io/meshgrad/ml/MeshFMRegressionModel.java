package io.meshgrad.ml;

import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.Dataset;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.RegressionModel;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;

/** A factorization machine regression model fitted by {@link MeshFMRegressor}: the prediction is the FM margin. */
public class MeshFMRegressionModel extends RegressionModel<Vector, MeshFMRegressionModel>
    implements MeshFMParams, MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final ParamSet params;
  private final FMParamSet fmParams;
  /** The weights, broadcast once when the model transforms (see {@link Shipped}). */
  private final Shipped<FMWeights> weights;
  private transient MeshgradTrainingSummary summary;

  /** An empty model of 1 feature (for ServiceLoader and Spark Connect; load or fit real ones). */
  public MeshFMRegressionModel() {
    this(Identifiable.randomUID("meshFMRegressionModel"), FMWeights.empty("squaredError"));
  }

  MeshFMRegressionModel(String uid, FMWeights weights) {
    this(Uids.stage(uid), weights, 0);
  }

  private MeshFMRegressionModel(String uid, FMWeights weights, int marker) {
    super();
    this.uid = Uids.take(uid);
    this.params = new ParamSet(this, false);
    this.fmParams = new FMParamSet(this);
    if (!weights.loss().equals("squaredError")) {
      throw new IllegalArgumentException("inconsistent FM regression model: loss=" + weights.loss()
          + "; expected squaredError");
    }
    this.weights = new Shipped<>(weights);
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

  @Override
  public int numFeatures() {
    return weights.get().numFeatures();
  }

  /** The bias {@code b} (0 when not fitted). */
  public double intercept() {
    return weights.get().intercept();
  }

  /** The linear weights {@code w} (zeros when not fitted). */
  public Vector linear() {
    return weights.get().linear();
  }

  /** The factors {@code V}, a {@code numFeatures x factorSize} matrix. */
  public Matrix factors() {
    return weights.get().factors();
  }

  /** The FM margin of one row. */
  @Override
  public double predict(Vector features) {
    return weights.get().margin(features);
  }

  /** Whether this model has a training summary (a fitted one has; a loaded one has not). */
  public boolean hasSummary() {
    return summary != null;
  }

  /**
   * How the model was trained.
   *
   * @throws IllegalStateException for a model without summary (loaded from disk)
   */
  public MeshgradTrainingSummary summary() {
    if (summary == null) {
      throw new IllegalStateException("no training summary for model " + uid + ": only a model returned by fit has"
          + " one, a loaded model has not");
    }
    return summary;
  }

  void setSummary(MeshgradTrainingSummary summary) {
    this.summary = summary;
  }

  @Override
  public MeshFMRegressionModel copy(ParamMap extra) {
    MeshFMRegressionModel copy = copyValues(new MeshFMRegressionModel(uid, weights.get()), extra);
    copy.setSummary(summary);
    return copy.setParent(parent());
  }

  /**
   * Adds the output columns; the weights go to the executors once, as a broadcast. A Spark Connect
   * client's question (a {@code __meshgrad_query__} column, see {@code ConnectAnswers}) gets its answer.
   */
  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    String query = ConnectAnswers.query(dataset);
    if (query != null) {
      return ConnectAnswers.answer(this, query, dataset);
    }
    weights.broadcastIn(dataset.sparkSession());
    return super.transform(dataset);
  }

  /** Saves the params as metadata JSON and the weights as one Parquet row (see {@code FMWeights}). */
  @Override
  public MLWriter write() {
    return new StageWriter(this, FMWeights.SCHEMA, weights.get().toRow()).withSummary(summary);
  }

  /** A reader for {@link #load}, as Spark's {@code PipelineModel} loading expects. */
  public static MLReader<MeshFMRegressionModel> read() {
    return new StageReader<>(MeshFMRegressionModel.class,
        (uid, row, path) -> new MeshFMRegressionModel(uid, FMWeights.fromRow(row, path)))
        .withSummary(MeshFMRegressionModel::setSummary);
  }

  /** Loads a model saved with {@code write().save(path)}. */
  public static MeshFMRegressionModel load(String path) {
    return read().load(path);
  }

  /**
   * The model's own size in bytes (its weights and training summary), for Spark Connect's model
   * cache (Spark 4.1 and later, {@code Model.estimatedSize}).
   */
  public long estimatedSize() {
    return ModelSizes.estimate(weights.get(), summary);
  }

  @Override
  public String toString() {
    return "MeshFMRegressionModel: uid=" + uid + ", numFeatures=" + numFeatures() + ", factorSize="
        + weights.get().factorSize();
  }

  /** Spark's explanation, plus where a {@code spark.meshgrad.*} conf default came from. */
  @Override
  public String explainParam(org.apache.spark.ml.param.Param<?> param) {
    return ConfDefaults.explain(this, param, super.explainParam(param));
  }

  /**
   * MLlib's regression evaluation of this model on {@code dataset} (which needs the label column,
   * and the weight column when {@code weightCol} is set): rmse, mse, mae, r2, r2adj, explained
   * variance, as {@code LinearRegressionModel.evaluate}.
   */
  public MeshAdagradRegressionSummary evaluate(Dataset<?> dataset) {
    return MeshAdagradRegressionSummary.of(this, dataset);
  }
}
