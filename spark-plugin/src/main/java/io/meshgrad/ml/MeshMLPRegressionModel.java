package io.meshgrad.ml;

import io.meshgrad.model.MultilayerPerceptron;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.Dataset;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.RegressionModel;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;

/**
 * A multilayer perceptron fitted by {@link MeshMLPRegressor}: the prediction is the output unit.
 * {@code getLayers()} and {@code getActivation()} give the network's shape, {@link #weights()} its
 * weights in MLlib's flattened layout.
 */
public class MeshMLPRegressionModel extends RegressionModel<Vector, MeshMLPRegressionModel>
    implements MeshMLPParams, MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final ParamSet params;
  private final NetworkParamSet networkParams;
  /** The weights, broadcast once when the model transforms (see {@link Shipped}). */
  private final Shipped<NetworkData> data;
  /** The network, made from the weights where the model predicts. */
  private transient volatile MultilayerPerceptron network;
  /** The network's variables split from the weights, made where the model predicts. */
  private transient volatile double[][] variables;
  private transient MeshgradTrainingSummary summary;

  /** A 1-input network of zeros (for ServiceLoader and Spark Connect; load or fit real ones). */
  public MeshMLPRegressionModel() {
    this(Identifiable.randomUID("meshMLPRegressionModel"), new NetworkData(new int[] {1, 1}, "relu",
        NetworkData.SQUARED_ERROR, new double[2]));
  }

  MeshMLPRegressionModel(String uid, NetworkData data) {
    this(Uids.stage(uid), data, 0);
  }

  private MeshMLPRegressionModel(String uid, NetworkData data, int marker) {
    super();
    this.uid = Uids.take(uid);
    this.params = new ParamSet(this, false);
    this.networkParams = new NetworkParamSet(this);
    if (!data.output().equals(NetworkData.SQUARED_ERROR)) {
      throw new IllegalArgumentException("a regression model needs a squaredError output, got " + data.output());
    }
    this.data = new Shipped<>(data);
    set(layers(), data.layers().clone());
    set(activation(), data.activation());
    network(); // the weights must fit the layers
  }

  private MultilayerPerceptron network() {
    MultilayerPerceptron n = network;
    if (n == null) { // a race makes it twice, harmlessly
      n = data.get().network();
      network = n;
    }
    return n;
  }

  private double[][] variables() {
    double[][] v = variables;
    if (v == null) { // a race makes it twice, harmlessly
      v = network().split(data.get().weights());
      variables = v;
    }
    return v;
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
    return networkParams;
  }

  @Override
  public int numFeatures() {
    return network().numFeatures();
  }

  /** All weights, flattened as MLlib's MLP weights: per layer the {@code [in, out]} kernel row-major, then its biases. */
  public Vector weights() {
    return Vectors.dense(data.get().weights().clone());
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

  /** The network's output for one row. */
  @Override
  public double predict(Vector features) {
    return network().outputs(features, variables())[0];
  }

  /** Spark's explanation, plus where a value comes from a {@code spark.meshgrad.*} conf key. */
  @Override
  public String explainParam(org.apache.spark.ml.param.Param<?> param) {
    return ConfDefaults.explain(this, param, super.explainParam(param));
  }

  @Override
  public MeshMLPRegressionModel copy(ParamMap extra) {
    MeshMLPRegressionModel copy = copyValues(new MeshMLPRegressionModel(uid, data.get()), extra);
    copy.meshgradParams().fromConf.addAll(params.fromConf);
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
    data.broadcastIn(dataset.sparkSession());
    return super.transform(dataset);
  }

  /** Saves the params as metadata JSON and the network as Parquet (layers, activation, output, weights). */
  @Override
  public MLWriter write() {
    return new StageWriter(this, NetworkData.SCHEMA, data.get().toRow()).withSummary(summary);
  }

  /** A reader for {@link #load}, as Spark's {@code PipelineModel} loading expects. */
  public static MLReader<MeshMLPRegressionModel> read() {
    return new StageReader<>(MeshMLPRegressionModel.class,
        (uid, row, path) -> new MeshMLPRegressionModel(uid, NetworkData.fromRow(row, path)))
        .withSummary(MeshMLPRegressionModel::setSummary);
  }

  /** Loads a model saved with {@code write().save(path)}. */
  public static MeshMLPRegressionModel load(String path) {
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
    return "MeshMLPRegressionModel: uid=" + uid + ", layers=" + java.util.Arrays.toString(data.get().layers())
        + ", activation=" + data.get().activation();
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
