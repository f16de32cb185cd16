package io.meshgrad.ml;

import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.RegressionModel;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;

/** A linear regression model fitted by {@link MeshAdagradRegressor}: {@code prediction = w.x + b}. */
public class MeshAdagradRegressionModel extends RegressionModel<Vector, MeshAdagradRegressionModel>
    implements MeshAdagradParams, MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final ParamSet params;
  /** The weights, broadcast once when the model transforms (see {@link Shipped}). */
  private final Shipped<ModelData> data;
  private transient MeshgradTrainingSummary summary;

  /** An empty model of 0 features (for ServiceLoader and Spark Connect; load or fit real ones). */
  public MeshAdagradRegressionModel() {
    this(Identifiable.randomUID("meshAdagradRegressionModel"),
        new ModelData(0, 0, "squaredError", new LinearWeights(0, 1, new double[0], new double[1])));
  }

  MeshAdagradRegressionModel(String uid, ModelData data) {
    this(Uids.stage(uid), data, 0);
  }

  private MeshAdagradRegressionModel(String uid, ModelData data, int marker) {
    super();
    this.uid = Uids.take(uid);
    this.params = new ParamSet(this, false);
    if (!data.loss().equals("squaredError") || data.weights().numOutputs() != 1) {
      throw new IllegalArgumentException("inconsistent regression model: loss=" + data.loss() + ", numOutputs="
          + data.weights().numOutputs() + "; expected loss squaredError and 1 output");
    }
    this.data = new Shipped<>(data);
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
  public int numFeatures() {
    return data.get().numFeatures();
  }

  /** The coefficients {@code w}. */
  public Vector coefficients() {
    return Vectors.dense(data.get().weights().coefficients());
  }

  /** The intercept {@code b} (0 when none was fitted). */
  public double intercept() {
    return data.get().weights().intercept()[0];
  }

  /** {@code w.x + b} for one row. */
  @Override
  public double predict(Vector features) {
    return data.get().weights().margins(features)[0];
  }

  /**
   * Evaluates the model on {@code dataset} (which needs the features and label columns, and the
   * weight column when {@code weightCol} is set), with the metric names of MLlib's {@code
   * LinearRegressionSummary}.
   */
  public MeshAdagradRegressionSummary evaluate(Dataset<?> dataset) {
    return MeshAdagradRegressionSummary.of(this, dataset);
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

  /**
   * Spark's explanation of the param, with its source when its value comes from a {@code
   * spark.meshgrad.<name>} Spark conf key (see the package documentation).
   */
  @Override
  public String explainParam(org.apache.spark.ml.param.Param<?> param) {
    return ConfDefaults.explain(this, param, super.explainParam(param));
  }

  @Override
  public MeshAdagradRegressionModel copy(ParamMap extra) {
    MeshAdagradRegressionModel copy = copyValues(new MeshAdagradRegressionModel(uid, data.get()), extra);
    copy.setSummary(summary);
    copy.meshgradParams().fromConf.addAll(params.fromConf);
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
    data.broadcastIn(dataset.sparkSession());
    return super.transform(dataset);
  }

  /** Saves the params as metadata JSON and the weights as Parquet (see {@code StageWriter}). */
  @Override
  public MLWriter write() {
    return new StageWriter(this, data.get()).withSummary(summary);
  }

  /** A reader for {@link #load}, as Spark's {@code PipelineModel} loading expects. */
  public static MLReader<MeshAdagradRegressionModel> read() {
    return new StageReader<>(MeshAdagradRegressionModel.class, true, MeshAdagradRegressionModel::new)
        .withSummary(MeshAdagradRegressionModel::setSummary);
  }

  /** Loads a model saved with {@code write().save(path)}. */
  public static MeshAdagradRegressionModel load(String path) {
    return read().load(path);
  }

  /**
   * The model's own size in bytes (its weights and training summary), for Spark Connect's model
   * cache (Spark 4.1 and later, {@code Model.estimatedSize}).
   */
  public long estimatedSize() {
    return ModelSizes.estimate(data.get(), summary);
  }

  @Override
  public String toString() {
    return "MeshAdagradRegressionModel: uid=" + uid + ", numFeatures=" + numFeatures();
  }
}
