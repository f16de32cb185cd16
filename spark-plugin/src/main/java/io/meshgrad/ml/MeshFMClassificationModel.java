package io.meshgrad.ml;

import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Matrix;
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
 * A factorization machine classifier fitted by {@link MeshFMClassifier}. For a row with FM margin
 * {@code m}: {@code rawPrediction = [-m, m]}, {@code probability = [1 - s(m), s(m)]} with {@code s}
 * the sigmoid, as MLlib's {@code FMClassificationModel}. {@link #intercept()}, {@link #linear()} and
 * {@link #factors()} are MLlib's accessors.
 */
public class MeshFMClassificationModel extends ProbabilisticClassificationModel<Vector, MeshFMClassificationModel>
    implements MeshFMParams, MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final ParamSet params;
  private final FMParamSet fmParams;
  /** The weights, broadcast once when the model transforms (see {@link Shipped}). */
  private final Shipped<FMWeights> weights;
  private transient MeshgradTrainingSummary summary;

  /** An empty model of 1 feature (for ServiceLoader and Spark Connect; load or fit real ones). */
  public MeshFMClassificationModel() {
    this(Identifiable.randomUID("meshFMClassificationModel"), FMWeights.empty("logistic"));
  }

  MeshFMClassificationModel(String uid, FMWeights weights) {
    this(Uids.stage(uid), weights, 0);
  }

  private MeshFMClassificationModel(String uid, FMWeights weights, int marker) {
    super();
    this.uid = Uids.take(uid);
    this.params = new ParamSet(this, false);
    this.fmParams = new FMParamSet(this);
    if (!weights.loss().equals("logistic")) {
      throw new IllegalArgumentException("inconsistent FM classification model: loss=" + weights.loss()
          + "; expected logistic");
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
  public int numClasses() {
    return 2;
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

  /** {@code [-m, m]} for the FM margin {@code m} of the row. */
  @Override
  public Vector predictRaw(Vector features) {
    double m = weights.get().margin(features);
    return Vectors.dense(-m, m);
  }

  @Override
  public Vector raw2probabilityInPlace(Vector rawPrediction) {
    if (!(rawPrediction instanceof DenseVector dv)) {
      throw new IllegalArgumentException("rawPrediction must be a dense vector, got " + rawPrediction.getClass());
    }
    double[] v = dv.values();
    for (int i = 0; i < v.length; i++) {
      v[i] = 1.0 / (1.0 + Math.exp(-v[i]));
    }
    return dv;
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  @Override
  public scala.Tuple3 findSummaryModel() {
    // Both ProbabilisticClassificationModel and ClassificationModel declare this with different
    // generic return types, which javac cannot reconcile; the raw type overrides both.
    return super.findSummaryModel();
  }

  @Override
  public MeshFMClassificationModel copy(ParamMap extra) {
    MeshFMClassificationModel copy = copyValues(new MeshFMClassificationModel(uid, weights.get()), extra);
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
  public static MLReader<MeshFMClassificationModel> read() {
    return new StageReader<>(MeshFMClassificationModel.class,
        (uid, row, path) -> new MeshFMClassificationModel(uid, FMWeights.fromRow(row, path)))
        .withSummary(MeshFMClassificationModel::setSummary);
  }

  /** Loads a model saved with {@code write().save(path)}. */
  public static MeshFMClassificationModel load(String path) {
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
    return "MeshFMClassificationModel: uid=" + uid + ", numFeatures=" + numFeatures() + ", factorSize="
        + weights.get().factorSize();
  }

  /** Spark's explanation, plus where a {@code spark.meshgrad.*} conf default came from. */
  @Override
  public String explainParam(org.apache.spark.ml.param.Param<?> param) {
    return ConfDefaults.explain(this, param, super.explainParam(param));
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
