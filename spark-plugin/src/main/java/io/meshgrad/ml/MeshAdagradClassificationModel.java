package io.meshgrad.ml;

import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A linear classifier fitted by {@link MeshAdagradClassifier}. For a row {@code x} with margins
 * {@code m = W^T x + b}:
 *
 * <ul>
 *   <li>binomial logistic: {@code rawPrediction = [-m, m]}, {@code probability = [1 - s(m),
 *       s(m)]} with {@code s} the sigmoid, as Spark's {@code LogisticRegressionModel};
 *   <li>multinomial: {@code rawPrediction = m} (one margin per class), {@code probability =
 *       softmax(m)};
 *   <li>hinge (linear SVM): {@code rawPrediction = [-m, m]}, prediction 1 when {@code m > 0}; no
 *       probability column ({@link #transform} and {@link #transformSchema} leave it out whatever
 *       probabilityCol says, and {@code thresholds} cannot be used).
 * </ul>
 *
 * The prediction is the class with the largest rawPrediction, or with {@code thresholds} the
 * largest {@code probability / threshold}; a binomial logistic model predicts 1 when the probability
 * of class 1 is above {@code threshold} (default 0.5), as MLlib's {@code LogisticRegressionModel}.
 * {@link #evaluate} gives MLlib's evaluation summaries.
 *
 * <p><b>Reference settings</b> (checked by {@code A9aTest} and {@code MnistTest}; float32, mesh
 * {@code batch=2}, all other params at their defaults, so no regularization):
 *
 * <ul>
 *   <li>a9a (123 binary features, labels -1 mapped to 0): full batch, {@code learningRate=0.5},
 *       {@code maxIter=100}: test accuracy 0.851 (the test requires 0.845);
 *   <li>mnist10k, features divided by 255, 10 classes (multinomial): full batch, {@code
 *       learningRate=0.5}, {@code maxIter=100}: test accuracy 0.915 (the test requires 0.90);
 *       200 steps give 0.921.
 * </ul>
 */
public class MeshAdagradClassificationModel
    extends ProbabilisticClassificationModel<Vector, MeshAdagradClassificationModel>
    implements MeshAdagradClassifierParams, MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final ParamSet params;
  /** The weights, broadcast once when the model transforms (see {@link Shipped}). */
  private final Shipped<ModelData> data;
  private transient MeshgradTrainingSummary summary;

  /** An empty binomial model of 0 features (for ServiceLoader and Spark Connect; load or fit real ones). */
  public MeshAdagradClassificationModel() {
    this(Identifiable.randomUID("meshAdagradClassificationModel"),
        new ModelData(0, 2, "logistic", new LinearWeights(0, 1, new double[0], new double[1])));
  }

  MeshAdagradClassificationModel(String uid, ModelData data) {
    this(Uids.stage(uid), data, 0);
  }

  private MeshAdagradClassificationModel(String uid, ModelData data, int marker) {
    super();
    this.uid = Uids.take(uid);
    this.params = new ParamSet(this, true);
    if (data.numClasses() < 2 || !(data.loss().equals("logistic") || data.loss().equals("hinge"))
        || (data.weights().numOutputs() != 1 && data.weights().numOutputs() != data.numClasses())
        || (data.loss().equals("hinge") && (data.numClasses() != 2 || data.weights().numOutputs() != 1))) {
      throw new IllegalArgumentException("inconsistent classification model: numClasses=" + data.numClasses()
          + ", numOutputs=" + data.weights().numOutputs() + ", loss=" + data.loss() + "; expected numClasses >= 2,"
          + " loss logistic or hinge, numOutputs 1 or numClasses, and hinge only with 2 classes and 1 output");
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
  public int numClasses() {
    return data.get().numClasses();
  }

  @Override
  public int numFeatures() {
    return data.get().numFeatures();
  }

  /** Whether the model has one coefficient vector per class (softmax) rather than one in all. */
  public boolean isMultinomial() {
    return data.get().weights().numOutputs() > 1;
  }

  /** Whether the model is a linear SVM (hinge loss), which gives no probabilities. */
  public boolean isHinge() {
    return data.get().loss().equals("hinge");
  }

  /**
   * The coefficients of a binomial or hinge model.
   *
   * @throws IllegalStateException for a multinomial model (use {@link #coefficientMatrix()})
   */
  public Vector coefficients() {
    if (isMultinomial()) {
      throw new IllegalStateException("a multinomial model has one coefficient vector per class: use"
          + " coefficientMatrix() and interceptVector()");
    }
    return Vectors.dense(data.get().weights().coefficients());
  }

  /**
   * The intercept of a binomial or hinge model (0 when none was fitted).
   *
   * @throws IllegalStateException for a multinomial model (use {@link #interceptVector()})
   */
  public double intercept() {
    if (isMultinomial()) {
      throw new IllegalStateException("a multinomial model has one intercept per class: use interceptVector()");
    }
    return data.get().weights().intercept()[0];
  }

  /**
   * The coefficients as a matrix with one row per output, as Spark's {@code
   * LogisticRegressionModel}: {@code numClasses x numFeatures} for multinomial, {@code 1 x
   * numFeatures} otherwise.
   */
  public Matrix coefficientMatrix() {
    LinearWeights w = data.get().weights();
    // Our [numFeatures, K] row-major array is exactly the column-major layout of K x numFeatures.
    return new DenseMatrix(w.numOutputs(), w.numFeatures(), w.coefficients());
  }

  /** The intercepts, one per output (length numClasses for multinomial, 1 otherwise). */
  public Vector interceptVector() {
    return Vectors.dense(data.get().weights().intercept());
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
   * Sets the binary prediction threshold on the probability of class 1 (in [0, 1]), clearing
   * {@code thresholds}, as MLlib's {@code LogisticRegressionModel}.
   */
  public MeshAdagradClassificationModel setThreshold(double value) {
    Thresholds.setThreshold(this, threshold(), thresholds(), value);
    return this;
  }

  /** Sets one threshold per class (Spark's {@code thresholds}), clearing {@code threshold}. */
  @Override
  public MeshAdagradClassificationModel setThresholds(double[] value) {
    Thresholds.setThresholds(this, threshold(), thresholds(), value);
    return this;
  }

  /** The binary threshold: implied by {@code thresholds} when they are set, else {@code threshold}. */
  public double getThreshold() {
    return Thresholds.threshold(this, threshold(), thresholds());
  }

  /** {@code thresholds}, or {@code [1 - threshold, threshold]} when only {@code threshold} is set. */
  @Override
  public double[] getThresholds() {
    return Thresholds.thresholds(this, threshold(), thresholds());
  }

  /** Whether predictions follow {@code threshold}: a binomial logistic model without {@code thresholds}. */
  private boolean usesThreshold() {
    return !isMultinomial() && !isHinge() && !isDefined(thresholds());
  }

  /** For a binomial logistic model without {@code thresholds}: 1 when the margin is above {@code logit(threshold)}. */
  @Override
  public double raw2prediction(Vector rawPrediction) {
    if (usesThreshold()) {
      double t = getThreshold();
      double rawThreshold = t == 0 ? Double.NEGATIVE_INFINITY : t == 1 ? Double.POSITIVE_INFINITY
          : Math.log(t / (1 - t));
      return rawPrediction.apply(1) > rawThreshold ? 1 : 0;
    }
    return super.raw2prediction(rawPrediction);
  }

  /** For a binomial logistic model without {@code thresholds}: 1 when the probability of class 1 is above {@code threshold}. */
  @Override
  public double probability2prediction(Vector probability) {
    if (usesThreshold()) {
      return probability.apply(1) > getThreshold() ? 1 : 0;
    }
    return super.probability2prediction(probability);
  }

  /**
   * Evaluates the model on {@code dataset} (which needs the features and label columns, and the
   * weight column when {@code weightCol} is set): a {@link MeshAdagradBinaryClassificationSummary}
   * for a model of 2 classes (also multinomial ones, as MLlib), else a {@link
   * MeshAdagradClassificationSummary}.
   */
  public MeshAdagradClassificationSummary evaluate(Dataset<?> dataset) {
    return MeshAdagradClassificationSummary.of(this, dataset, !isHinge());
  }

  /** The raw prediction of one row (see the class comment). */
  @Override
  public Vector predictRaw(Vector features) {
    double[] m = data.get().weights().margins(features);
    if (m.length == 1) {
      return Vectors.dense(-m[0], m[0]);
    }
    return Vectors.dense(m);
  }

  /** The probability of one row (logistic models only). */
  @Override
  public Vector predictProbability(Vector features) {
    return super.predictProbability(features);
  }

  @Override
  public Vector raw2probabilityInPlace(Vector rawPrediction) {
    if (isHinge()) {
      throw new UnsupportedOperationException("a hinge-loss (linear SVM) model gives no probabilities");
    }
    if (!(rawPrediction instanceof DenseVector dv)) {
      throw new IllegalArgumentException("rawPrediction must be a dense vector, got " + rawPrediction.getClass());
    }
    double[] v = dv.values();
    if (isMultinomial()) {
      double maxMargin = Double.NEGATIVE_INFINITY;
      for (double x : v) {
        maxMargin = Math.max(maxMargin, x);
      }
      double sum = 0.0;
      for (int i = 0; i < v.length; i++) {
        v[i] = Math.exp(v[i] - maxMargin);
        sum += v[i];
      }
      for (int i = 0; i < v.length; i++) {
        v[i] /= sum;
      }
    } else {
      for (int i = 0; i < v.length; i++) {
        v[i] = 1.0 / (1.0 + Math.exp(-v[i]));
      }
    }
    return dv;
  }

  /** Spark's output schema; for a hinge model without the probability column. */
  @Override
  public StructType transformSchema(StructType schema) {
    checkThresholdParams();
    if (isHinge()) {
      if (!getProbabilityCol().isEmpty()) {
        return withoutProbability().transformSchema(schema);
      }
    }
    return super.transformSchema(schema);
  }

  /**
   * Adds the output columns; for a hinge model without the probability column. A DataFrame with a
   * meshgrad query column (a Spark Connect client's question, see {@code ConnectAnswers}) gets the
   * answer instead.
   */
  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    String query = ConnectAnswers.query(dataset);
    if (query != null) {
      return ConnectAnswers.answer(this, query, dataset);
    }
    checkThresholdParams();
    data.broadcastIn(dataset.sparkSession()); // the task closures carry a handle, not the weights
    if (isHinge()) {
      if (!getProbabilityCol().isEmpty()) {
        return withoutProbability().transform(dataset);
      }
    }
    return super.transform(dataset);
  }

  /** threshold and thresholds agree, fit the model's kind and its number of classes. */
  private void checkThresholdParams() {
    Thresholds.checkConsistency(this, threshold(), thresholds());
    if (isHinge() && (isDefined(thresholds()) || isSet(threshold()))) {
      throw new IllegalArgumentException("threshold and thresholds need probabilities, which a hinge-loss (linear SVM)"
          + " model does not give; clear them or train with loss=logistic");
    }
    if (isMultinomial() && isSet(threshold()) && !isDefined(thresholds())) {
      throw new IllegalArgumentException("threshold (" + getOrDefault(threshold()) + ") applies to binomial models;"
          + " this model is multinomial with " + numClasses() + " classes: use thresholds, one value per class");
    }
  }

  private MeshAdagradClassificationModel withoutProbability() {
    return copy(new ParamMap().put(probabilityCol(), ""));
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  @Override
  public scala.Tuple3 findSummaryModel() {
    // Both ProbabilisticClassificationModel and ClassificationModel declare this with different
    // generic return types, which javac cannot reconcile; the raw type overrides both.
    return super.findSummaryModel();
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
  public MeshAdagradClassificationModel copy(ParamMap extra) {
    MeshAdagradClassificationModel copy = copyValues(new MeshAdagradClassificationModel(uid, data.get()), extra);
    copy.setSummary(summary);
    copy.meshgradParams().fromConf.addAll(params.fromConf);
    return copy.setParent(parent());
  }

  /** Saves the params as metadata JSON and the weights as Parquet (see {@code StageWriter}). */
  @Override
  public MLWriter write() {
    return new StageWriter(this, data.get()).withSummary(summary);
  }

  /** A reader for {@link #load}, as Spark's {@code PipelineModel} loading expects. */
  public static MLReader<MeshAdagradClassificationModel> read() {
    return new StageReader<>(MeshAdagradClassificationModel.class, true, MeshAdagradClassificationModel::new)
        .withSummary(MeshAdagradClassificationModel::setSummary);
  }

  /** Loads a model saved with {@code write().save(path)}. */
  public static MeshAdagradClassificationModel load(String path) {
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
    return "MeshAdagradClassificationModel: uid=" + uid + ", numClasses=" + numClasses() + ", numFeatures="
        + numFeatures() + ", loss=" + data.get().loss() + (isMultinomial() ? ", multinomial" : "");
  }
}
