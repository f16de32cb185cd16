package io.meshgrad.ml;

import io.meshgrad.model.MultilayerPerceptron;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.Dataset;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;

/**
 * A multilayer perceptron fitted by {@link MeshMLPClassifier}: {@code rawPrediction} is the output
 * layer's logits, {@code probability} their softmax, and the prediction the class with the largest
 * rawPrediction, or with {@code thresholds} the largest {@code probability / threshold} (as MLlib's
 * classifiers). {@code getLayers()} and {@code getActivation()} give the network's shape, {@link
 * #weights()} its weights as MLlib's model does.
 *
 * <p><b>Reference setting</b> (checked by {@code MlpClassifierTest}): mnist10k, pixels divided by
 * 255, layers {@code [784, 128, 10]}, relu, {@code learningRate=0.3}, {@code batchSize=256},
 * {@code maxIter=600} (about 19 epochs), float32, mesh {@code batch=2}: test accuracy 0.958 (the
 * test requires 0.95 and at least MLlib's {@code MultilayerPerceptronClassifier} with the same
 * layers at {@code maxIter=40}, 0.9525).
 */
public class MeshMLPClassificationModel
    extends ProbabilisticClassificationModel<Vector, MeshMLPClassificationModel>
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

  /** A 1-input, 2-class network of zeros (for ServiceLoader and Spark Connect; load or fit real ones). */
  public MeshMLPClassificationModel() {
    this(Identifiable.randomUID("meshMLPClassificationModel"), new NetworkData(new int[] {1, 2}, "relu",
        NetworkData.SOFTMAX, new double[4]));
  }

  MeshMLPClassificationModel(String uid, NetworkData data) {
    this(Uids.stage(uid), data, 0);
  }

  private MeshMLPClassificationModel(String uid, NetworkData data, int marker) {
    super();
    this.uid = Uids.take(uid);
    this.params = new ParamSet(this, false);
    this.networkParams = new NetworkParamSet(this);
    if (!data.output().equals(NetworkData.SOFTMAX)) {
      throw new IllegalArgumentException("a classification model needs a softmax output, got " + data.output());
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
  public int numClasses() {
    return network().numOutputs();
  }

  @Override
  public int numFeatures() {
    return network().numFeatures();
  }

  /**
   * All weights, flattened as MLlib's {@code MultilayerPerceptronClassificationModel.weights}: per
   * layer the {@code [in, out]} kernel row-major, then its biases.
   */
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

  /** The output layer's logits for one row. */
  @Override
  public Vector predictRaw(Vector features) {
    return Vectors.dense(network().outputs(features, variables()));
  }

  @Override
  public Vector raw2probabilityInPlace(Vector rawPrediction) {
    if (!(rawPrediction instanceof DenseVector dv)) {
      throw new IllegalArgumentException("rawPrediction must be a dense vector, got " + rawPrediction.getClass());
    }
    MultilayerPerceptron.probabilitiesInPlace(dv.values());
    return dv;
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  @Override
  public scala.Tuple3 findSummaryModel() {
    // Both ProbabilisticClassificationModel and ClassificationModel declare this with different
    // generic return types, which javac cannot reconcile; the raw type overrides both.
    return super.findSummaryModel();
  }

  /** Spark's explanation, plus where a value comes from a {@code spark.meshgrad.*} conf key. */
  @Override
  public String explainParam(org.apache.spark.ml.param.Param<?> param) {
    return ConfDefaults.explain(this, param, super.explainParam(param));
  }

  @Override
  public MeshMLPClassificationModel copy(ParamMap extra) {
    MeshMLPClassificationModel copy = copyValues(new MeshMLPClassificationModel(uid, data.get()), extra);
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

  /** Saves the params as metadata JSON and the network as Parquet (layers, activation, weights). */
  @Override
  public MLWriter write() {
    return new StageWriter(this, NetworkData.SCHEMA, data.get().toRow()).withSummary(summary);
  }

  /** A reader for {@link #load}, as Spark's {@code PipelineModel} loading expects. */
  public static MLReader<MeshMLPClassificationModel> read() {
    return new StageReader<>(MeshMLPClassificationModel.class,
        (uid, row, path) -> new MeshMLPClassificationModel(uid, NetworkData.fromRow(row, path)))
        .withSummary(MeshMLPClassificationModel::setSummary);
  }

  /** Loads a model saved with {@code write().save(path)}. */
  public static MeshMLPClassificationModel load(String path) {
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
    return "MeshMLPClassificationModel: uid=" + uid + ", layers=" + java.util.Arrays.toString(data.get().layers())
        + ", activation=" + data.get().activation();
  }

  /**
   * MLlib's evaluation summary of this model on {@code dataset} (which needs the label column, and
   * the weight column when {@code weightCol} is set): accuracy and per-label metrics, plus
   * areaUnderROC, roc and pr for two classes, as {@code LogisticRegressionModel.evaluate}.
   */
  public MeshAdagradClassificationSummary evaluate(Dataset<?> dataset) {
    return MeshAdagradClassificationSummary.of(this, dataset, true);
  }
}
