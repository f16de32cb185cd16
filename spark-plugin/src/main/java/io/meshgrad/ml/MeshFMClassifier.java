package io.meshgrad.ml;

import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;

/**
 * Binary classification with a factorization machine (Rendle's second-order FM, logistic loss,
 * labels 0 and 1) trained with meshgrad's Keras-faithful Adagrad on a device mesh. The margin of a
 * row {@code x} is {@code b + sum_j w_j x_j + sum_{j<l} <V_j, V_l> x_j x_l}, computed in {@code
 * O(k nnz)}; {@code probability = sigmoid(margin)} as MLlib's {@code FMClassifier}.
 *
 * <pre>{@code
 * MeshFMClassifier fm = new MeshFMClassifier()
 *     .setFactorSize(8).setLearningRate(0.1).setMaxIter(200)
 *     .setMesh("batch=4,model=2");   // the factors V [numFeatures, 8] are sharded by rows over "model"
 * MeshFMClassificationModel model = fm.fit(train);
 * }</pre>
 *
 * <p>Params: those of {@link MeshAdagradClassifier} except {@code family} and {@code loss}, plus
 * MLlib FM's {@code factorSize} (default 8), {@code fitLinear} (true), {@code initStd} (0.01) and
 * {@code miniBatchFraction} (1; sets {@code batchSize}); {@code regParam} is L2 on the linear
 * weights and the factors, never on the intercept. Every param except the columns takes its default
 * from {@code spark.meshgrad.<name>} in the Spark conf. With a model dimension in the mesh, {@code
 * linear} and {@code factors} are sharded by feature (rows); a sparse batch ships and updates only
 * the rows of the features it touches.
 */
public class MeshFMClassifier extends ProbabilisticClassifier<Vector, MeshFMClassifier, MeshFMClassificationModel>
    implements MeshFMSetters<MeshFMClassifier>, MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final ParamSet params;
  private final FMParamSet fmParams;

  /** An estimator with a random uid and default params. */
  public MeshFMClassifier() {
    this(Identifiable.randomUID("meshFMClassifier"));
  }

  /** An estimator with the given uid (used by {@code copy} and loading). */
  public MeshFMClassifier(String uid) {
    this(Uids.stage(uid), 0);
  }

  private MeshFMClassifier(String uid, int marker) {
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
   * @throws IllegalArgumentException for invalid params, columns or rows (labels must be 0 or 1)
   * @throws io.meshgrad.train.NonFiniteGradientException under {@code onNonFiniteGradient=error}
   */
  @Override
  public MeshFMClassificationModel train(Dataset<?> dataset) {
    MeshFMClassifier p = Fitting.withConfDefaults(copy(ParamMap.empty()), dataset.sparkSession());
    FMFitting.Fitted fitted = FMFitting.train(p, dataset.toDF(), p.getFeaturesCol(), p.getLabelCol(), "logistic");
    MeshFMClassificationModel model = new MeshFMClassificationModel(uid(), fitted.weights());
    Fitting.copyParams(p, model);
    model.setSummary(new MeshgradTrainingSummary(fitted.result()));
    return model;
  }

  /** Spark's schema check and output columns, plus the meshgrad columns. */
  @Override
  public StructType transformSchema(StructType schema) {
    Fitting.checkColumns(this, schema);
    return super.transformSchema(schema);
  }

  @Override
  public MeshFMClassifier copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** Saves the params (see the package documentation for the layout). */
  @Override
  public MLWriter write() {
    return new StageWriter(this, null);
  }

  /** A reader for {@link #load}, as Spark's {@code Pipeline} loading expects. */
  public static MLReader<MeshFMClassifier> read() {
    return new StageReader<>(MeshFMClassifier.class, false, (uid, data) -> new MeshFMClassifier(uid));
  }

  /** Loads an estimator saved with {@code write().save(path)}. */
  public static MeshFMClassifier load(String path) {
    return read().load(path);
  }

  /** Spark's explanation, plus where a {@code spark.meshgrad.*} conf default came from. */
  @Override
  public String explainParam(org.apache.spark.ml.param.Param<?> param) {
    return ConfDefaults.explain(this, param, super.explainParam(param));
  }
}
