package io.meshgrad.ml;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;

import io.meshgrad.checkpoint.CheckpointPolicy;
import io.meshgrad.data.FeatureScale;
import io.meshgrad.data.LabelValidator;
import io.meshgrad.data.TrainingData;
import io.meshgrad.loss.BlockLoss;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.model.BlockModel;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.runtime.MeshRuntime;
import io.meshgrad.schedule.Schedules;
import io.meshgrad.support.Json;
import io.meshgrad.tensor.DType;
import io.meshgrad.train.EarlyStopping;
import io.meshgrad.train.MeshTrainer;
import io.meshgrad.train.NonFiniteGradient;
import io.meshgrad.train.StepListener;
import io.meshgrad.train.TrainingResult;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/** The fit logic shared by the estimators: params to optimizer and settings, data, training. */
final class Fitting {
  private static final Logger LOG = LoggerFactory.getLogger(Fitting.class);

  /** Prefix of the Spark conf keys that give defaults to params: {@code spark.meshgrad.<paramName>}. */
  static final String CONF_PREFIX = "spark.meshgrad.";

  private Fitting() {}

  /**
   * Sets, on {@code stage} (a copy the caller owns), every configurable param that is not set
   * from {@code spark.meshgrad.<name>} in the session's conf, when that key exists.
   *
   * @throws IllegalArgumentException naming the key when its value does not parse or is invalid
   */
  static <S extends MeshgradParams> S withConfDefaults(S stage, SparkSession spark) {
    stage.meshgradParams().fromConf.clear();
    for (Param<?> p : configurable(stage)) {
      if (stage.isSet(p)) {
        continue;
      }
      String key = CONF_PREFIX + p.name();
      Option<String> raw = spark.conf().getOption(key);
      if (raw.isDefined()) {
        Object value = parseConf(p, raw.get().trim(), key);
        try {
          @SuppressWarnings("unchecked")
          Param<Object> param = (Param<Object>) p;
          stage.set(param, value);
          stage.meshgradParams().fromConf.add(p.name());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("Spark conf " + key + "=" + raw.get() + " is invalid: " + e.getMessage(),
              e);
        }
      }
    }
    return stage;
  }

  /** The params of {@code stage} that {@code spark.meshgrad.<name>} can give a default: the shared ones and the model's own. */
  static List<Param<?>> configurable(MeshgradParams stage) {
    List<Param<?>> configurable = new ArrayList<>(stage.meshgradParams().configurable());
    if (stage instanceof MeshFMParams fm) {
      configurable.addAll(fm.fmParams().configurable());
    }
    if (stage instanceof MeshMLPParams mlp) {
      configurable.addAll(mlp.networkParams().configurable());
    }
    return configurable;
  }

  private static Object parseConf(Param<?> p, String raw, String key) {
    try {
      if (p instanceof IntParam) {
        return Integer.parseInt(raw);
      }
      if (p instanceof LongParam) {
        return Long.parseLong(raw);
      }
      if (p instanceof DoubleParam) {
        return Double.parseDouble(raw);
      }
      if (p instanceof BooleanParam) {
        if (raw.equalsIgnoreCase("true") || raw.equalsIgnoreCase("false")) {
          return Boolean.parseBoolean(raw);
        }
        throw new IllegalArgumentException("Spark conf " + key + " must be true or false, got '" + raw + "'");
      }
      return raw;
    } catch (NumberFormatException e) {
      String kind = p instanceof DoubleParam ? "a number" : "an integer";
      throw new IllegalArgumentException("Spark conf " + key + " must be " + kind + ", got '" + raw + "'", e);
    }
  }

  /** The mesh param, or {@code batch=<defaultParallelism>} when unset. */
  static Mesh mesh(MeshgradParams p, SparkSession spark) {
    if (p.isDefined(p.mesh())) {
      return Mesh.parse(p.getMesh());
    }
    return Mesh.parse("batch=" + Math.max(1, spark.sparkContext().defaultParallelism()));
  }

  /**
   * The optimizer: {@code optimizerConfig} when set, else the individual Adagrad params.
   *
   * @throws IllegalArgumentException if more than one clipping param is set
   */
  static Adagrad optimizer(MeshgradParams p) {
    if (p.isDefined(p.optimizerConfig())) {
      return Adagrad.fromConfig(Json.parse(p.getOptimizerConfig()));
    }
    List<String> clips = new ArrayList<>();
    for (DoubleParam c : List.of(p.clipNorm(), p.clipValue(), p.globalClipNorm())) {
      if (p.isDefined(c)) {
        clips.add(c.name() + "=" + p.getOrDefault(c));
      }
    }
    if (clips.size() > 1) {
      throw new IllegalArgumentException("at most one of clipNorm, clipValue and globalClipNorm may be set, got "
          + String.join(", ", clips));
    }
    Adagrad.Builder b = Adagrad.builder()
        .initialAccumulatorValue(p.getInitialAccumulatorValue())
        .epsilon(p.getEpsilon())
        .useEma(p.getUseEma())
        .emaMomentum(p.getEmaMomentum());
    if (p.isDefined(p.learningRateSchedule())) {
      b.learningRate(Schedules.deserialize(Json.parse(p.getLearningRateSchedule())));
    } else {
      b.learningRate(p.getLearningRate());
    }
    if (p.isDefined(p.weightDecay())) {
      b.weightDecay(p.getWeightDecay());
    }
    if (p.isDefined(p.clipNorm())) {
      b.clipnorm(p.getClipNorm());
    }
    if (p.isDefined(p.clipValue())) {
      b.clipvalue(p.getClipValue());
    }
    if (p.isDefined(p.globalClipNorm())) {
      b.globalClipnorm(p.getGlobalClipNorm());
    }
    if (p.isDefined(p.emaOverwriteFrequency())) {
      b.emaOverwriteFrequency(p.getEmaOverwriteFrequency());
    }
    return b.build();
  }

  /**
   * The trainer's settings; {@code regParam} and {@code elasticNetParam} {@code a} become the L2
   * strength {@code (1 - a) regParam} and the L1 strength {@code a regParam}, as MLlib splits them.
   */
  static MeshTrainer.Settings settings(MeshgradParams p, Mesh mesh) {
    double a = p.getElasticNetParam();
    double l2 = a == 0 ? p.getRegParam() : (1 - a) * p.getRegParam();
    return new MeshTrainer.Settings(mesh, DType.parse(p.getDtype()), p.getMaxIter(), p.getMaxEpochs(),
        p.getBatchSize(), p.getSeed(), p.getFitIntercept(), l2, p.getTol(), p.getAggregationDepth(),
        p.getCheckpointInterval(), a * p.getRegParam());
  }

  /** The weight column, or null when unset or empty. */
  static String weightCol(MeshgradParams p) {
    return p.isDefined(p.weightCol()) && !p.getWeightCol().isEmpty() ? p.getWeightCol() : null;
  }

  /** The validation indicator column, or null when unset or empty. */
  static String validationCol(MeshgradParams p) {
    return p.isDefined(p.validationIndicatorCol()) && !p.getValidationIndicatorCol().isEmpty()
        ? p.getValidationIndicatorCol() : null;
  }

  /**
   * Checks the columns the meshgrad params name (weight: numeric, validation indicator: boolean);
   * the features and label columns are Spark's {@code Predictor}'s to check.
   */
  static void checkColumns(MeshgradParams p, StructType schema) {
    String w = weightCol(p);
    if (w != null) {
      requireColumn(schema, w, "weightCol", NumericType.class, "numeric");
    }
    String v = validationCol(p);
    if (v != null) {
      requireColumn(schema, v, "validationIndicatorCol", BooleanType.class, "boolean");
    }
  }

  private static void requireColumn(StructType schema, String name, String param, Class<?> type, String typeName) {
    Option<Object> index = schema.getFieldIndex(name);
    if (index.isEmpty()) {
      throw new IllegalArgumentException(param + " '" + name + "' does not exist; the columns are "
          + String.join(", ", schema.fieldNames()));
    }
    DataType actual = schema.fields()[(Integer) index.get()].dataType();
    if (!type.isInstance(actual)) {
      throw new IllegalArgumentException(param + " '" + name + "' must be of " + typeName + " type, got "
          + actual.simpleString());
    }
  }

  /**
   * Trains on {@code df}: the rows not marked by {@code validationIndicatorCol} are the training
   * rows, the others (if any) drive early stopping.
   */
  static TrainingResult train(MeshgradParams p, Dataset<Row> df, String featuresCol, String labelCol,
      BlockLoss loss) {
    // the coefficients are feature-indexed, the intercept is not
    return train(p, df, featuresCol, labelCol, loss::validateLabel, loss.toString(),
        (spark, data, optimizer, settings, controls, listener) ->
            MeshTrainer.fit(spark, data, loss, optimizer, settings, controls, listener),
        numFeatures -> List.of(true, false));
  }

  /**
   * As {@link #train(MeshgradParams, Dataset, String, String, BlockLoss)}, for a {@link
   * BlockModel} built once the number of features is known.
   *
   * @param labelValidator checks each label (the model's {@link BlockModel#validateLabel} rule)
   * @param modelForFeatures the model for the data's number of features
   */
  static TrainingResult train(MeshgradParams p, Dataset<Row> df, String featuresCol, String labelCol,
      LabelValidator labelValidator, IntFunction<BlockModel> modelForFeatures) {
    return train(p, df, featuresCol, labelCol, labelValidator, "the model of " + p.getClass().getSimpleName(),
        (spark, data, optimizer, settings, controls, listener) -> MeshTrainer.fit(spark, data,
            modelForFeatures.apply(data.numFeatures()), optimizer, settings, controls, listener),
        numFeatures -> modelForFeatures.apply(numFeatures).variables().stream()
            .map(io.meshgrad.model.VariableSpec::featureIndexed).toList());
  }

  /** One fit of whichever model: {@link MeshTrainer}'s linear or block-model entry. */
  @FunctionalInterface
  private interface Trainer {
    TrainingResult fit(SparkSession spark, TrainingData data, Adagrad optimizer, MeshTrainer.Settings settings,
        MeshTrainer.Controls controls, StepListener listener);
  }

  /**
   * What {@code standardization} asks of {@link TrainingData}. The default applies to rows of fewer
   * than {@link MeshRuntime#DEFAULT_ROW_PULL_MIN_ROWS} features, on every mesh (so that the mesh
   * never changes the model); wider rows, the hashed or one-hot kind, are used as they are. An
   * explicit true applies at any width, except where a feature-indexed variable may take the
   * row-sparse pull (a model dimension > 1, at least that many features, no L1), whose driver
   * keeps nothing of the model's size: there it is refused in one line.
   */
  static FeatureScale featureScale(MeshgradParams p, Mesh mesh, MeshTrainer.Settings settings) {
    if (!p.getStandardization()) {
      return FeatureScale.none();
    }
    if (p instanceof MeshMLPParams mlp && mlp.isDefined(mlp.initialWeights())) {
      // initial weights are on the features' own scale: the default does not apply, an explicit true is refused
      if (p.isSet(p.standardization())) {
        throw new IllegalArgumentException("standardization is true and initialWeights is set: the initial weights"
            + " are on the features' own scale; set standardization=false to start from them");
      }
      return FeatureScale.none();
    }
    int wide = MeshRuntime.DEFAULT_ROW_PULL_MIN_ROWS;
    if (!p.isSet(p.standardization())) {
      return FeatureScale.fromData(wide - 1, null, false);
    }
    boolean sharded = mesh.firstNonBatchDimension().map(d -> mesh.size(d) > 1).orElse(false);
    if (!sharded || settings.l1() > 0) {
      return FeatureScale.fromData(Integer.MAX_VALUE, null, true);
    }
    return FeatureScale.fromData(wide - 1, "on mesh " + mesh + " the feature-indexed weights take the row-sparse"
        + " pull (at least " + wide + " features, no L1), which keeps nothing of the model's size on the driver,"
        + " and the scale would be a value per feature there; set standardization=false (scale the features"
        + " beforehand if they need it)", true);
  }

  private static TrainingResult train(MeshgradParams p, Dataset<Row> df, String featuresCol, String labelCol,
      LabelValidator labelValidator, String what, Trainer trainer, IntFunction<List<Boolean>> featureIndexed) {
    SparkSession spark = df.sparkSession();
    checkColumns(p, df.schema());
    Mesh mesh = mesh(p, spark);
    Adagrad checkedOptimizer = optimizer(p); // a bad optimizer param fails before the data pass
    MeshTrainer.Settings settings = settings(p, mesh);
    NonFiniteGradient onNonFinite = NonFiniteGradient.parse(p.getOnNonFiniteGradient());
    String weightCol = weightCol(p);
    String validationCol = validationCol(p);
    Dataset<Row> trainRows = df;
    Dataset<Row> validationRows = null;
    if (validationCol != null) {
      Column marked = coalesce(col(quote(validationCol)), lit(false));
      trainRows = df.filter(not(marked));
      validationRows = df.filter(marked);
    }
    List<String> fromConf = ConfDefaults.describe(p);
    LOG.info("{}: fitting {} on mesh {}, {} steps{}", p.uid(), what, mesh, settings.maxSteps(),
        fromConf.isEmpty() ? "" : "; from Spark conf: " + String.join(", ", fromConf));
    LOG.debug("{}: optimizer {}, {}", p.uid(), checkedOptimizer, settings);
    long prepareStart = System.nanoTime();
    FeatureScale scale = featureScale(p, mesh, settings);
    try (TrainingData data = TrainingData.from(trainRows, featuresCol, labelCol, weightCol, mesh.batchSize(),
        labelValidator, scale)) {
      FeatureScale applied = data.featureScale();
      Adagrad optimizer = checkedOptimizer;
      // wide rows (hashed, one-hot) used as they are: the linear and FM stages' accumulators then start at
      // the value measured for such rows, unless set
      boolean wide = data.numFeatures() >= MeshRuntime.DEFAULT_ROW_PULL_MIN_ROWS && applied.isNone();
      boolean sparseStart = wide && !(p instanceof MeshMLPParams) && !p.isSet(p.initialAccumulatorValue())
          && !p.isDefined(p.optimizerConfig());
      if (sparseStart) {
        p.set(p.initialAccumulatorValue(), MeshgradParams.ParamSet.WIDE_INITIAL_ACCUMULATOR_VALUE);
        optimizer = optimizer(p);
      }
      if (!scale.isNone() && applied.isNone() || sparseStart) {
        LOG.info("{}: rows of {} features (at least {}) are used as they are{}{}", p.uid(), data.numFeatures(),
            MeshRuntime.DEFAULT_ROW_PULL_MIN_ROWS, scale.isNone() ? ""
                : " (the standardization default applies below; set standardization=true to scale them)",
            sparseStart ? "; initialAccumulatorValue " + MeshgradParams.ParamSet.WIDE_INITIAL_ACCUMULATOR_VALUE
                + ", the default for such rows" : "");
      }
      TrainingData validation = null;
      try {
        EarlyStopping es = null;
        if (validationRows != null) {
          long n = validationRows.count();
          if (n == 0) {
            throw new IllegalArgumentException("validationIndicatorCol '" + validationCol + "' is true in no row:"
                + " mark some rows true to validate on them, or unset validationIndicatorCol");
          }
          validation = TrainingData.from(validationRows, featuresCol, labelCol, weightCol,
              (int) Math.min(mesh.batchSize(), n), labelValidator,
              applied.isNone() ? FeatureScale.none() : FeatureScale.of(applied.inverseStd()));
          es = new EarlyStopping(validation, p.getEarlyStoppingPatience(), p.getValidationTol());
        }
        String uid = p.uid();
        CheckpointPolicy checkpoints = p.isDefined(p.checkpointDir()) && !p.getCheckpointDir().isEmpty()
            ? new CheckpointPolicy(p.getCheckpointDir(), Math.max(1, p.getCheckpointInterval()), 3, p.getResume())
            : null;
        if (checkpoints == null && p.getResume()) {
          throw new IllegalArgumentException("resume is true but checkpointDir is not set: set checkpointDir to the "
              + "path of the checkpoints to continue from");
        }
        double prepareSeconds = (System.nanoTime() - prepareStart) / 1e9;
        TrainingResult r = trainer.fit(spark, data, optimizer, settings,
            new MeshTrainer.Controls(onNonFinite, es, checkpoints, p.getStepsPerJob()),
            (step, total, epoch, value) -> LOG.debug("{}: step {}/{} (epoch {}) loss {}", uid, step, total, epoch,
                value)).withPrepareSeconds(prepareSeconds);
        r = r.withWeights(applied.toOriginalScale(r.weights(), featureIndexed.apply(data.numFeatures())));
        if (r.stopReason() != TrainingResult.StopReason.STEPS) {
          // a fit that ends before maxIter steps says where and why (one line; a fit of maxIter steps says nothing)
          LOG.info("{}: {}", uid, r.stopDescription());
        }
        return r;
      } finally {
        if (validation != null) {
          validation.close();
        }
      }
    }
  }

  /**
   * Copies the fit's params (the estimator's, with the conf defaults applied) to its model, and
   * which of them came from the conf.
   */
  static void copyParams(MeshgradParams fit, MeshgradParams model) {
    fit.copyValues(model, org.apache.spark.ml.param.ParamMap.empty());
    model.meshgradParams().fromConf.clear();
    model.meshgradParams().fromConf.addAll(fit.meshgradParams().fromConf);
  }

  static String quote(String name) {
    return "`" + name.replace("`", "``") + "`";
  }

  /** The field named {@code name}, or an error naming the param and the columns. */
  static StructField field(StructType schema, String name, String param) {
    Option<Object> index = schema.getFieldIndex(name);
    if (index.isEmpty()) {
      throw new IllegalArgumentException(param + " '" + name + "' does not exist; the columns are "
          + String.join(", ", schema.fieldNames()));
    }
    return schema.fields()[(Integer) index.get()];
  }
}
