package io.meshgrad.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;

import io.meshgrad.loss.BinaryLogisticLoss;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.loss.HingeLoss;
import io.meshgrad.loss.MultinomialLogisticLoss;
import io.meshgrad.train.TrainingResult;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.BinaryAttribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Linear classifier trained with meshgrad's Keras-faithful Adagrad on a device mesh: logistic
 * regression (binomial or multinomial/softmax) or a linear SVM (hinge loss).
 *
 * <pre>{@code
 * MeshAdagradClassifier clf = new MeshAdagradClassifier()
 *     .setLearningRate(0.5)      // full batch (batchSize 0), 100 steps (maxIter)
 *     .setMesh("batch=4,model=2");
 * MeshAdagradClassificationModel model = clf.fit(train);
 * model.transform(test).select("prediction", "probability");
 * }</pre>
 *
 * <p>Labels are class indices {@code 0, 1, ..., K-1} (doubles). {@code K} comes from the label
 * column's ML attribute metadata when present (e.g. after {@code StringIndexer}), else from the
 * largest label (at most 100 classes are inferred that way). With {@code family=auto} two classes
 * give the binomial model (one coefficient vector, sigmoid), more the multinomial one (one vector
 * per class, softmax); {@code family=multinomial} forces softmax for two classes too. {@code
 * loss=hinge} trains a linear SVM on labels 0/1; its model gives rawPrediction and prediction but
 * no probability column.
 *
 * <p>The optimizer sees the features exactly as given: unlike Spark's {@code LogisticRegression}
 * there is no implicit standardization, as in Keras. Put a {@code StandardScaler} (or {@code
 * MinMaxScaler}) before this stage when features have very different scales.
 *
 * <p>Params, their defaults and the {@code spark.meshgrad.*} configuration keys are described in
 * the {@linkplain io.meshgrad.ml package documentation}; {@link #explainParams()} lists them.
 */
public class MeshAdagradClassifier
    extends ProbabilisticClassifier<Vector, MeshAdagradClassifier, MeshAdagradClassificationModel>
    implements MeshAdagradClassifierParams, MeshgradSetters<MeshAdagradClassifier>, MLWritable {
  private static final long serialVersionUID = 1L;

  /** Classes inferred from the largest label at most (as Spark's classifiers). */
  static final int MAX_INFERRED_CLASSES = 100;

  private final String uid;
  private final ParamSet params;

  /** An estimator with a random uid and default params. */
  public MeshAdagradClassifier() {
    this(Identifiable.randomUID("meshAdagradClassifier"));
  }

  /** An estimator with the given uid (used by {@code copy} and loading). */
  public MeshAdagradClassifier(String uid) {
    this(Uids.stage(uid), 0);
  }

  private MeshAdagradClassifier(String uid, int marker) {
    super();
    this.uid = Uids.take(uid);
    this.params = new ParamSet(this, true);
  }

  @Override
  public String uid() {
    return uid != null ? uid : Uids.pending();
  }

  @Override
  public ParamSet meshgradParams() {
    return params;
  }

  /** Sets the family: auto, binomial or multinomial. */
  public MeshAdagradClassifier setFamily(String value) {
    set(family(), value);
    return this;
  }

  /** Sets the loss: logistic or hinge. */
  public MeshAdagradClassifier setLoss(String value) {
    set(loss(), value);
    return this;
  }

  /**
   * Sets the binary prediction threshold on the probability of class 1 (in [0, 1], default 0.5),
   * clearing {@code thresholds}, as MLlib's {@code LogisticRegression}.
   */
  public MeshAdagradClassifier setThreshold(double value) {
    Thresholds.setThreshold(this, threshold(), thresholds(), value);
    return this;
  }

  /** Sets one threshold per class (Spark's {@code thresholds}), clearing {@code threshold}. */
  @Override
  public MeshAdagradClassifier setThresholds(double[] value) {
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

  /**
   * Trains on {@code dataset} (Spark's {@code fit} calls this after checking the schema).
   *
   * @throws IllegalArgumentException for invalid params, columns or rows
   * @throws io.meshgrad.train.NonFiniteGradientException under {@code onNonFiniteGradient=error}
   */
  @Override
  public MeshAdagradClassificationModel train(Dataset<?> dataset) {
    MeshAdagradClassifier p = Fitting.withConfDefaults(copy(ParamMap.empty()), dataset.sparkSession());
    Dataset<Row> df = dataset.toDF();
    int numClasses = numClasses(df, p.getLabelCol());
    String lossName = p.getLoss();
    String family = p.getFamily();
    boolean hinge = lossName.equals("hinge");
    if (hinge && (numClasses > 2 || family.equals("multinomial"))) {
      throw new IllegalArgumentException("loss=hinge trains a binary linear SVM: it needs family auto or binomial"
          + " and 2 classes, got family=" + family + " and " + numClasses + " classes in label column '"
          + p.getLabelCol() + "'; use loss=logistic for more classes");
    }
    if (family.equals("binomial") && numClasses > 2) {
      throw new IllegalArgumentException("family=binomial needs 2 classes (labels 0 and 1), but label column '"
          + p.getLabelCol() + "' has " + numClasses + "; use family=multinomial or auto");
    }
    boolean multinomial = !hinge && (family.equals("multinomial") || numClasses > 2);
    if ((multinomial || hinge) && p.isSet(p.threshold())) {
      throw new IllegalArgumentException("threshold (" + p.getOrDefault(p.threshold()) + ") applies to binomial"
          + " logistic models, but this fit is " + (hinge ? "a hinge-loss (linear SVM) model" : "multinomial with "
          + numClasses + " classes") + (hinge ? "; clear it" : "; use thresholds, one value per class"));
    }
    if (p.isDefined(p.thresholds()) && p.getOrDefault(p.thresholds()).length != numClasses) {
      throw new IllegalArgumentException("thresholds must hold one value per class: " + numClasses + " classes in"
          + " label column '" + p.getLabelCol() + "', got " + p.getOrDefault(p.thresholds()).length + " thresholds");
    }
    BlockLoss loss = hinge ? new HingeLoss()
        : multinomial ? new MultinomialLogisticLoss(numClasses) : new BinaryLogisticLoss();
    TrainingResult r = Fitting.train(p, df, p.getFeaturesCol(), p.getLabelCol(), loss);
    int numOutputs = multinomial ? numClasses : 1;
    double[] coefficients = r.coefficients().toDoubleArray();
    double[] intercept = r.intercept() != null ? r.intercept().toDoubleArray() : new double[numOutputs];
    LinearWeights weights = new LinearWeights(coefficients.length / numOutputs, numOutputs, coefficients, intercept);
    MeshAdagradClassificationModel model = new MeshAdagradClassificationModel(uid(),
        new ModelData(weights.numFeatures(), numClasses, hinge ? "hinge" : "logistic", weights));
    Fitting.copyParams(p, model);
    model.setSummary(new MeshgradTrainingSummary(r));
    return model;
  }

  /**
   * The number of classes: from the label column's ML attribute when it says, else the largest
   * label plus one (at least 2).
   */
  static int numClasses(Dataset<Row> df, String labelCol) {
    Attribute attribute = Attribute.fromStructField(Fitting.field(df.schema(), labelCol, "labelCol"));
    if (attribute instanceof BinaryAttribute) {
      return 2;
    }
    if (attribute instanceof NominalAttribute nominal && nominal.getNumValues().isDefined()) {
      return Math.max(2, (Integer) nominal.getNumValues().get());
    }
    // Checked here on the driver, before any row is read for training: one small aggregation.
    Column label = col(Fitting.quote(labelCol)).cast("double");
    Row row = df.agg(max(label), min(label)).head();
    if (row.isNullAt(0)) {
      return 2; // no (non-null) labels: the training data check reports it
    }
    double largest = row.getDouble(0);
    double smallest = row.getDouble(1);
    if (!(smallest >= 0)) {
      throw new IllegalArgumentException("labels must be class indices 0, 1, ..., K-1, but the smallest value in"
          + " label column '" + labelCol + "' is " + smallest
          + (smallest == -1 ? " (LIBSVM's -1/+1 labels: map -1 to 0 first)" : ""));
    }
    if (!(largest >= 0) || largest != Math.rint(largest) || Double.isInfinite(largest)) {
      throw new IllegalArgumentException("labels must be class indices 0, 1, ..., K-1, but the largest value in"
          + " label column '" + labelCol + "' is " + largest);
    }
    if (largest + 1 > MAX_INFERRED_CLASSES) {
      throw new IllegalArgumentException("the largest label in column '" + labelCol + "' is " + largest
          + ", which would mean " + (long) (largest + 1) + " classes, more than the " + MAX_INFERRED_CLASSES
          + " that are inferred from label values; give the column nominal ML attribute metadata with the number"
          + " of classes (e.g. index it with StringIndexer)");
    }
    return Math.max(2, (int) largest + 1);
  }

  /**
   * Spark's schema check and output columns, plus the meshgrad columns (weightCol numeric,
   * validationIndicatorCol boolean); with {@code loss=hinge} no probability column.
   */
  @Override
  public StructType transformSchema(StructType schema) {
    Thresholds.checkConsistency(this, threshold(), thresholds());
    Fitting.checkColumns(this, schema);
    if (getLoss().equals("hinge") && !getProbabilityCol().isEmpty()) {
      return copy(new ParamMap().put(probabilityCol(), "")).transformSchema(schema);
    }
    return super.transformSchema(schema);
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
  public MeshAdagradClassifier copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** Saves the params (see the package documentation for the layout). */
  @Override
  public MLWriter write() {
    return new StageWriter(this, null);
  }

  /** A reader for {@link #load}, as Spark's {@code Pipeline} loading expects. */
  public static MLReader<MeshAdagradClassifier> read() {
    return new StageReader<>(MeshAdagradClassifier.class, false, (uid, data) -> new MeshAdagradClassifier(uid));
  }

  /** Loads an estimator saved with {@code write().save(path)}. */
  public static MeshAdagradClassifier load(String path) {
    return read().load(path);
  }
}
