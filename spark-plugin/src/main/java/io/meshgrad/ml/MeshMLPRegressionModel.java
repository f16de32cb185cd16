package io.meshgrad.ml;

import io.meshgrad.model.MultilayerPerceptron;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.RegressionModel;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;

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
  private final NetworkData data;
  private final MultilayerPerceptron network;
  private final double[][] variables;
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
    this.data = data;
    this.network = data.network();
    this.variables = network.split(data.weights());
    set(layers(), data.layers().clone());
    set(activation(), data.activation());
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
    return network.numFeatures();
  }

  /** All weights, flattened as MLlib's MLP weights: per layer the {@code [in, out]} kernel row-major, then its biases. */
  public Vector weights() {
    return Vectors.dense(data.weights().clone());
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
    return network.outputs(features, variables)[0];
  }

  /** Spark's explanation, plus where a value comes from a {@code spark.meshgrad.*} conf key. */
  @Override
  public String explainParam(org.apache.spark.ml.param.Param<?> param) {
    return ConfDefaults.explain(this, param, super.explainParam(param));
  }

  @Override
  public MeshMLPRegressionModel copy(ParamMap extra) {
    MeshMLPRegressionModel copy = copyValues(new MeshMLPRegressionModel(uid, data), extra);
    copy.meshgradParams().fromConf.addAll(params.fromConf);
    copy.setSummary(summary);
    return copy.setParent(parent());
  }

  /** Saves the params as metadata JSON and the network as Parquet (layers, activation, output, weights). */
  @Override
  public MLWriter write() {
    return new StageWriter(this, NetworkData.SCHEMA, data.toRow());
  }

  /** A reader for {@link #load}, as Spark's {@code PipelineModel} loading expects. */
  public static MLReader<MeshMLPRegressionModel> read() {
    return new StageReader<>(MeshMLPRegressionModel.class,
        (uid, row, path) -> new MeshMLPRegressionModel(uid, NetworkData.fromRow(row, path)));
  }

  /** Loads a model saved with {@code write().save(path)}. */
  public static MeshMLPRegressionModel load(String path) {
    return read().load(path);
  }

  @Override
  public String toString() {
    return "MeshMLPRegressionModel: uid=" + uid + ", layers=" + java.util.Arrays.toString(data.layers())
        + ", activation=" + data.activation();
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
