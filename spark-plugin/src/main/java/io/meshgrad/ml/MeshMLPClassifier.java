package io.meshgrad.ml;

import io.meshgrad.model.MultilayerPerceptron;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A multilayer perceptron classifier trained with meshgrad's Keras-faithful Adagrad on a device
 * mesh: dense layers with relu, sigmoid or tanh hidden units, softmax cross-entropy output, Keras'
 * {@code glorot_uniform} initialisation (seeded), mini-batches or the full batch, and on a mesh
 * with a {@code model} dimension the layers' weights and their Adagrad state sharded Megatron-style.
 *
 * <pre>{@code
 * MeshMLPClassifier mlp = new MeshMLPClassifier()
 *     .setLayers(new int[] {784, 128, 10})    // or setHiddenLayers(new int[] {128}): sizes from the data
 *     .setActivation("relu").setLearningRate(0.3).setBatchSize(256).setMaxIter(600)
 *     .setMesh("batch=2,model=2");
 * MeshMLPClassificationModel model = mlp.fit(train);
 * model.transform(test).select("prediction", "probability");
 * }</pre>
 *
 * <p>Labels are class indices {@code 0, 1, ..., K-1}. Without {@code layers}, the input size is the
 * features' size and {@code K} comes from the label column's ML attribute or its largest value, as
 * {@link MeshAdagradClassifier}. With {@code layers}, its first size must equal the features' size
 * and every label must be below its last. The params are {@link MeshMLPParams} plus the shared
 * ones ({@link #explainParams()}); {@code spark.meshgrad.<param>} gives defaults, as for the other
 * stages.
 */
public class MeshMLPClassifier
    extends ProbabilisticClassifier<Vector, MeshMLPClassifier, MeshMLPClassificationModel>
    implements MeshMLPSetters<MeshMLPClassifier>, MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final ParamSet params;
  private final NetworkParamSet network;

  /** An estimator with a random uid and default params. */
  public MeshMLPClassifier() {
    this(Identifiable.randomUID("meshMLPClassifier"));
  }

  /** An estimator with the given uid (used by {@code copy} and loading). */
  public MeshMLPClassifier(String uid) {
    this(Uids.stage(uid), 0);
  }

  private MeshMLPClassifier(String uid, int marker) {
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
  public MeshMLPClassificationModel train(Dataset<?> dataset) {
    if (isSet(fitIntercept()) && !getFitIntercept()) {
      throw new IllegalArgumentException("fitIntercept=false does not apply to MeshMLPClassifier: every dense layer"
          + " has a bias; leave fitIntercept unset (or true)");
    }
    MeshMLPClassifier p = Fitting.withConfDefaults(copy(ParamMap.empty()), dataset.sparkSession());
    Dataset<Row> df = dataset.toDF();
    int numClasses = p.isDefined(p.layers()) ? p.getLayers()[p.getLayers().length - 1]
        : MeshAdagradClassifier.numClasses(df, p.getLabelCol());
    NetworkFitting.Fitted fitted = NetworkFitting.train(p, df, MultilayerPerceptron.Output.SOFTMAX_CROSS_ENTROPY,
        numClasses, label -> MultilayerPerceptron.validateClassLabel(label, numClasses));
    MeshMLPClassificationModel model = new MeshMLPClassificationModel(uid(), fitted.data());
    Fitting.copyParams(p, model);
    model.setSummary(new MeshgradTrainingSummary(fitted.result()));
    return model;
  }

  /** Spark's schema check and output columns, plus the meshgrad columns (weightCol, validationIndicatorCol). */
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
  public MeshMLPClassifier copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** Saves the params (see the package documentation for the layout). */
  @Override
  public MLWriter write() {
    return new StageWriter(this, null);
  }

  /** A reader for {@link #load}, as Spark's {@code Pipeline} loading expects. */
  public static MLReader<MeshMLPClassifier> read() {
    return new StageReader<>(MeshMLPClassifier.class, false, (uid, data) -> new MeshMLPClassifier(uid));
  }

  /** Loads an estimator saved with {@code write().save(path)}. */
  public static MeshMLPClassifier load(String path) {
    return read().load(path);
  }
}
