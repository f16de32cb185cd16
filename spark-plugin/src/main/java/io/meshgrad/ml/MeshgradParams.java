package io.meshgrad.ml;

import io.meshgrad.mesh.Mesh;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.schedule.Schedules;
import io.meshgrad.support.Json;
import io.meshgrad.train.NonFiniteGradient;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The params every meshgrad estimator and model has (linear, FM and MLP alike; until 0.1.0 named
 * {@code MeshAdagradParams}, which now names the linear stages' params), in the role of a Spark params trait:
 * each stage creates one {@link ParamSet} (after its uid is known) and these default methods
 * expose its params as the public no-argument accessors Spark discovers by reflection. The
 * featuresCol, labelCol, predictionCol (and for classifiers rawPredictionCol, probabilityCol,
 * thresholds) params come from Spark's {@code Predictor} classes.
 *
 * <p>Names and validators follow Spark's shared params where one exists ({@code weightCol,
 * maxIter, tol, regParam, fitIntercept, aggregationDepth, checkpointInterval, seed}); the Adagrad
 * params are Keras' ({@code learning_rate} becomes {@code learningRate}, and so on). An invalid
 * value is rejected with an {@link IllegalArgumentException} naming the param and what it allows.
 * See the {@linkplain io.meshgrad.ml package documentation} for the table of params and defaults
 * and the {@code spark.meshgrad.*} configuration defaults.
 */
public interface MeshgradParams extends Params {

  /** The param objects of this stage (an implementation detail of the accessors below). */
  ParamSet meshgradParams();

  /** Column of row weights; unset or empty: every weight is 1. */
  default Param<String> weightCol() {
    return meshgradParams().weightCol;
  }

  /** Maximum number of optimizer steps ({@code >= 0}, default 100). */
  default IntParam maxIter() {
    return meshgradParams().maxIter;
  }

  /** Relative loss change that stops training ({@code >= 0}, default 1e-6 as MLlib; 0: never). */
  default DoubleParam tol() {
    return meshgradParams().tol;
  }

  /** Regularization strength on the coefficients ({@code >= 0}, default 0); see {@link #elasticNetParam()}. */
  default DoubleParam regParam() {
    return meshgradParams().regParam;
  }

  /**
   * The ElasticNet mixing parameter {@code a} in [0, 1] (default 0): the objective adds {@code
   * regParam * (a ||w||_1 + (1 - a)/2 ||w||^2)}, as MLlib; the L1 part's gradient is {@code
   * regParam * a * sign(w)}, as Keras' {@code L1L2} regularizer, so weights do not become exactly 0.
   */
  default DoubleParam elasticNetParam() {
    return meshgradParams().elasticNetParam;
  }

  /**
   * MLlib's {@code standardization}: whether to divide each feature by its standard deviation over
   * the training rows inside the fit (without centering, so sparse rows stay sparse; a feature of
   * zero variance gets weight 0), with the weights reported on the features' own scale. Default
   * true for the linear stages (MLlib's), below 65536 features; false for the FM and MLP stages,
   * chosen by measurement (docs/defaults.md).
   */
  default BooleanParam standardization() {
    return meshgradParams().standardization;
  }

  /** Whether to fit an intercept (default true). */
  default BooleanParam fitIntercept() {
    return meshgradParams().fitIntercept;
  }

  /** Depth of the gradient tree sums ({@code >= 2}, default 2). */
  default IntParam aggregationDepth() {
    return meshgradParams().aggregationDepth;
  }

  /** Steps between checkpoints of sharded optimizer state ({@code >= 1} or -1, default 10). */
  default IntParam checkpointInterval() {
    return meshgradParams().checkpointInterval;
  }

  /** Seed of the mini-batch shuffle (default: hash of the class name, as Spark's). */
  default LongParam seed() {
    return meshgradParams().seed;
  }

  /**
   * Adagrad learning rate ({@code > 0}); the stages' default is 0.5, chosen by measurement (see the
   * package documentation); the Keras-API {@link Adagrad} keeps Keras' 0.001.
   */
  default DoubleParam learningRate() {
    return meshgradParams().learningRate;
  }

  /** A Keras learning-rate schedule as JSON; replaces {@link #learningRate()} when set. */
  default Param<String> learningRateSchedule() {
    return meshgradParams().learningRateSchedule;
  }

  /**
   * Starting value of the Adagrad accumulators ({@code >= 0}; default 0.3 for the linear stages, and
   * 0.001 for their rows of 65536 features or more that the standardization default leaves as they
   * are; FM 0.1, and 0.001 for its rows of 65536 features or more; MLP 0.1; chosen by measurement; the
   * Keras-API {@link Adagrad} keeps Keras' 0.1).
   */
  default DoubleParam initialAccumulatorValue() {
    return meshgradParams().initialAccumulatorValue;
  }

  /** Adagrad epsilon ({@code >= 0}, default 1e-7). */
  default DoubleParam epsilon() {
    return meshgradParams().epsilon;
  }

  /** Decoupled weight decay ({@code >= 0}; unset: none). */
  default DoubleParam weightDecay() {
    return meshgradParams().weightDecay;
  }

  /** Per-variable gradient norm clipping ({@code > 0}; unset: none). */
  default DoubleParam clipNorm() {
    return meshgradParams().clipNorm;
  }

  /** Element-wise gradient clipping ({@code > 0}; unset: none). */
  default DoubleParam clipValue() {
    return meshgradParams().clipValue;
  }

  /** Global gradient norm clipping ({@code > 0}; unset: none). */
  default DoubleParam globalClipNorm() {
    return meshgradParams().globalClipNorm;
  }

  /** Whether to keep and return an exponential moving average of the weights (default false). */
  default BooleanParam useEma() {
    return meshgradParams().useEma;
  }

  /** EMA momentum (in [0, 1], default 0.99). */
  default DoubleParam emaMomentum() {
    return meshgradParams().emaMomentum;
  }

  /** Steps between overwriting the weights with their EMA ({@code >= 1}; unset: never). */
  default IntParam emaOverwriteFrequency() {
    return meshgradParams().emaOverwriteFrequency;
  }

  /** A whole Keras Adagrad config as JSON; when set it wins over the individual Adagrad params. */
  default Param<String> optimizerConfig() {
    return meshgradParams().optimizerConfig;
  }

  /** The device mesh, e.g. {@code batch=4,model=2} (unset: {@code batch=<defaultParallelism>}). */
  default Param<String> mesh() {
    return meshgradParams().mesh;
  }

  /** Rows per step ({@code >= 0}, default 0: full batch). */
  default IntParam batchSize() {
    return meshgradParams().batchSize;
  }

  /** Maximum number of passes over the data ({@code >= 0}, default 0: no limit). */
  default IntParam maxEpochs() {
    return meshgradParams().maxEpochs;
  }

  /**
   * Optimizer steps per Spark job ({@code >= 0}, default 1: one job per step). {@code K >= 2} runs
   * up to K steps in one barrier job whose tasks exchange gradients directly (the many-steps-per-job
   * engine, bit for bit the same result; a fit where it cannot run fails saying why); 0 chooses:
   * the engine where it applies, else one job per step. See docs/engine.md.
   */
  default IntParam stepsPerJob() {
    return meshgradParams().stepsPerJob;
  }

  /** float32 (default) or float64. */
  default Param<String> dtype() {
    return meshgradParams().dtype;
  }

  /** Boolean column marking the validation rows (unset: no validation, no early stopping). */
  default Param<String> validationIndicatorCol() {
    return meshgradParams().validationIndicatorCol;
  }

  /** Validation evaluations without improvement before stopping ({@code >= 1}, default 5). */
  default IntParam earlyStoppingPatience() {
    return meshgradParams().earlyStoppingPatience;
  }

  /** Relative improvement threshold of the validation loss ({@code >= 0}, default 0). */
  default DoubleParam validationTol() {
    return meshgradParams().validationTol;
  }

  /** error (default), skip or propagate. */
  default Param<String> onNonFiniteGradient() {
    return meshgradParams().onNonFiniteGradient;
  }

  /** Hadoop path for optimizer-state checkpoints (unset: none). */
  default Param<String> checkpointDir() {
    return meshgradParams().checkpointDir;
  }

  /** Continue from the newest valid checkpoint in checkpointDir (default false). */
  default BooleanParam resume() {
    return meshgradParams().resume;
  }

  // ---------------------------------------------------------------- getters

  /** The value (or default) of {@link #weightCol()}; throws if neither is defined. */
  default String getWeightCol() {
    return getOrDefault(weightCol());
  }

  /** The value (or default) of {@link #maxIter()}; throws if neither is defined. */
  default int getMaxIter() {
    return (Integer) getOrDefault(maxIter());
  }

  /** The value (or default) of {@link #tol()}; throws if neither is defined. */
  default double getTol() {
    return (Double) getOrDefault(tol());
  }

  /** The value (or default) of {@link #regParam()}; throws if neither is defined. */
  default double getRegParam() {
    return (Double) getOrDefault(regParam());
  }

  /** The value (or default) of {@link #elasticNetParam()}. */
  default double getElasticNetParam() {
    return (Double) getOrDefault(elasticNetParam());
  }

  /** The value (or default) of {@link #standardization()}. */
  default boolean getStandardization() {
    return (Boolean) getOrDefault(standardization());
  }

  /** The value (or default) of {@link #fitIntercept()}; throws if neither is defined. */
  default boolean getFitIntercept() {
    return (Boolean) getOrDefault(fitIntercept());
  }

  /** The value (or default) of {@link #aggregationDepth()}; throws if neither is defined. */
  default int getAggregationDepth() {
    return (Integer) getOrDefault(aggregationDepth());
  }

  /** The value (or default) of {@link #checkpointInterval()}; throws if neither is defined. */
  default int getCheckpointInterval() {
    return (Integer) getOrDefault(checkpointInterval());
  }

  /** The value (or default) of {@link #seed()}; throws if neither is defined. */
  default long getSeed() {
    return (Long) getOrDefault(seed());
  }

  /** The value (or default) of {@link #learningRate()}; throws if neither is defined. */
  default double getLearningRate() {
    return (Double) getOrDefault(learningRate());
  }

  /** The value (or default) of {@link #learningRateSchedule()}; throws if neither is defined. */
  default String getLearningRateSchedule() {
    return getOrDefault(learningRateSchedule());
  }

  /** The value (or default) of {@link #initialAccumulatorValue()}; throws if neither is defined. */
  default double getInitialAccumulatorValue() {
    return (Double) getOrDefault(initialAccumulatorValue());
  }

  /** The value (or default) of {@link #epsilon()}; throws if neither is defined. */
  default double getEpsilon() {
    return (Double) getOrDefault(epsilon());
  }

  /** The value (or default) of {@link #weightDecay()}; throws if neither is defined. */
  default double getWeightDecay() {
    return (Double) getOrDefault(weightDecay());
  }

  /** The value (or default) of {@link #clipNorm()}; throws if neither is defined. */
  default double getClipNorm() {
    return (Double) getOrDefault(clipNorm());
  }

  /** The value (or default) of {@link #clipValue()}; throws if neither is defined. */
  default double getClipValue() {
    return (Double) getOrDefault(clipValue());
  }

  /** The value (or default) of {@link #globalClipNorm()}; throws if neither is defined. */
  default double getGlobalClipNorm() {
    return (Double) getOrDefault(globalClipNorm());
  }

  /** The value (or default) of {@link #useEma()}; throws if neither is defined. */
  default boolean getUseEma() {
    return (Boolean) getOrDefault(useEma());
  }

  /** The value (or default) of {@link #emaMomentum()}; throws if neither is defined. */
  default double getEmaMomentum() {
    return (Double) getOrDefault(emaMomentum());
  }

  /** The value (or default) of {@link #emaOverwriteFrequency()}; throws if neither is defined. */
  default int getEmaOverwriteFrequency() {
    return (Integer) getOrDefault(emaOverwriteFrequency());
  }

  /** The value (or default) of {@link #optimizerConfig()}; throws if neither is defined. */
  default String getOptimizerConfig() {
    return getOrDefault(optimizerConfig());
  }

  /** The value (or default) of {@link #mesh()}; throws if neither is defined. */
  default String getMesh() {
    return getOrDefault(mesh());
  }

  /** The value (or default) of {@link #batchSize()}; throws if neither is defined. */
  default int getBatchSize() {
    return (Integer) getOrDefault(batchSize());
  }

  /** The value (or default) of {@link #maxEpochs()}; throws if neither is defined. */
  default int getMaxEpochs() {
    return (Integer) getOrDefault(maxEpochs());
  }

  /** The value (or default) of {@link #stepsPerJob()}; throws if neither is defined. */
  default int getStepsPerJob() {
    return (Integer) getOrDefault(stepsPerJob());
  }

  /** The value (or default) of {@link #dtype()}, lower case. */
  default String getDtype() {
    return getOrDefault(dtype()).toLowerCase(java.util.Locale.ROOT);
  }

  /** The value (or default) of {@link #validationIndicatorCol()}; throws if neither is defined. */
  default String getValidationIndicatorCol() {
    return getOrDefault(validationIndicatorCol());
  }

  /** The value (or default) of {@link #earlyStoppingPatience()}; throws if neither is defined. */
  default int getEarlyStoppingPatience() {
    return (Integer) getOrDefault(earlyStoppingPatience());
  }

  /** The value (or default) of {@link #validationTol()}; throws if neither is defined. */
  default double getValidationTol() {
    return (Double) getOrDefault(validationTol());
  }

  /** The value (or default) of {@link #onNonFiniteGradient()}, lower case. */
  default String getOnNonFiniteGradient() {
    return getOrDefault(onNonFiniteGradient()).toLowerCase(java.util.Locale.ROOT);
  }

  /** The value of {@link #checkpointDir()}; throws if unset. */
  default String getCheckpointDir() {
    return getOrDefault(checkpointDir());
  }

  /** The value (or default) of {@link #resume()}. */
  default boolean getResume() {
    return (Boolean) getOrDefault(resume());
  }

  /**
   * The param objects of one stage, created with the stage as their parent once its uid is set,
   * with their defaults registered on it. Not for direct use: go through the stage's accessors.
   */
  final class ParamSet implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * The stages' default learning rate. Keras' 0.001 barely moves a linear model in 100 steps; 0.5
     * with 100 full-batch steps matches MLlib's defaults on a9a, mnist10k, iris and the regression
     * sample ({@code StageDefaultsSweep}, docs/user-guide/linear.md
     * "Defaults: how they were chosen").
     */
    static final double DEFAULT_LEARNING_RATE = 0.5;

    /**
     * The linear stages' default {@code initialAccumulatorValue} (Keras' is 0.1) for standardized
     * rows: 0.3 keeps a9a, mnist10k and iris at the accuracy of the unstandardized defaults ({@code
     * StageDefaultsSweep#linearInitialAccumulator}, docs/defaults.md). Rows the standardization
     * default leaves as they are (65536 features or more: hashed, one-hot) start at {@link
     * #WIDE_INITIAL_ACCUMULATOR_VALUE} instead when the param is not set. The FM and MLP stages set their own.
     */
    static final double DEFAULT_INITIAL_ACCUMULATOR_VALUE = 0.3;

    /**
     * The linear and FM stages' {@code initialAccumulatorValue} for rows of 65536 features or more used
     * as they are (not standardized), when the param is not set: 0.001, where a larger starting
     * accumulator damps every rare feature's first steps (hashed click data, {@code
     * StageDefaultsSweep#clicks}: logistic test AUC 0.6295 and FM 0.6572 against 0.6066 and 0.6068 at
     * Keras' 0.1); the fitted model records it as set.
     */
    static final double WIDE_INITIAL_ACCUMULATOR_VALUE = 1e-3;

    /** The stages' default {@code tol}, MLlib's: never reached on a9a, mnist10k or iris in 300 steps. */
    static final double DEFAULT_TOL = 1e-6;

    final Param<String> weightCol;
    final IntParam maxIter;
    final DoubleParam tol;
    final DoubleParam regParam;
    final DoubleParam elasticNetParam;
    final BooleanParam fitIntercept;
    final BooleanParam standardization;
    final IntParam aggregationDepth;
    final IntParam checkpointInterval;
    final LongParam seed;
    final DoubleParam learningRate;
    final Param<String> learningRateSchedule;
    final DoubleParam initialAccumulatorValue;
    final DoubleParam epsilon;
    final DoubleParam weightDecay;
    final DoubleParam clipNorm;
    final DoubleParam clipValue;
    final DoubleParam globalClipNorm;
    final BooleanParam useEma;
    final DoubleParam emaMomentum;
    final IntParam emaOverwriteFrequency;
    final Param<String> optimizerConfig;
    final Param<String> mesh;
    final IntParam batchSize;
    final IntParam maxEpochs;
    final IntParam stepsPerJob;
    final Param<String> dtype;
    final Param<String> validationIndicatorCol;
    final IntParam earlyStoppingPatience;
    final DoubleParam validationTol;
    final Param<String> onNonFiniteGradient;
    final Param<String> checkpointDir;
    final BooleanParam resume;
    /** Classifier stages only, else null. */
    final Param<String> family;
    /** Classifier stages only, else null. */
    final Param<String> loss;
    /** Classifier stages only, else null. */
    final DoubleParam threshold;
    /** Names of the params a fit set from {@code spark.meshgrad.*} (on the fit's copy and its model). */
    final java.util.Set<String> fromConf = new java.util.TreeSet<>();

    /**
     * Creates the params of {@code owner} and sets their defaults on it.
     *
     * @param classifier whether to add {@code family} and {@code loss}
     */
    ParamSet(Params owner, boolean classifier) {
      weightCol = new Param<>(owner, "weightCol",
          "weight column name. If this is not set or empty, we treat all instance weights as 1.0");
      maxIter = new IntParam(owner, "maxIter",
          "maximum number of optimizer steps (>= 0); maxEpochs, tol and early stopping may end training sooner",
          Validators.intAtLeast("maxIter", 0));
      tol = new DoubleParam(owner, "tol",
          "stop when the training loss changes by at most tol * max(1, |loss|) between two steps (>= 0;"
              + " 0 = never: training runs maxIter steps, as Keras)",
          Validators.finiteAtLeast("tol", 0));
      regParam = new DoubleParam(owner, "regParam",
          "regularization strength (>= 0): the objective adds regParam * (elasticNetParam * ||coefficients||_1"
              + " + (1 - elasticNetParam)/2 * ||coefficients||^2), never on the intercept",
          Validators.finiteAtLeast("regParam", 0));
      elasticNetParam = new DoubleParam(owner, "elasticNetParam",
          "the ElasticNet mixing parameter, in range [0, 1]. For alpha = 0, the penalty is an L2 penalty. For"
              + " alpha = 1, it is an L1 penalty. The L1 part's gradient is regParam * alpha * sign(w), as Keras'"
              + " L1L2 regularizer adds it: Adagrad with this subgradient does not set weights exactly to 0"
              + " (unlike MLlib's OWLQN)",
          Validators.inUnitInterval("elasticNetParam"));
      fitIntercept = new BooleanParam(owner, "fitIntercept", "whether to fit an intercept term");
      standardization = new BooleanParam(owner, "standardization",
          "whether to standardize the training features before fitting the model: each is divided by its"
              + " standard deviation over the training rows (no centering: sparse rows stay sparse; a"
              + " zero-variance feature gets weight 0), and the weights are reported on the features' own scale,"
              + " as MLlib's. The default applies to rows of fewer than 65536 features (wider, hashed or one-hot rows"
              + " are used as they are, on every mesh); an explicit true applies at any width except where the"
              + " feature-indexed weights take the row-sparse pull (a model dimension > 1, at least 65536"
              + " features, no L1): the scale would be a value per feature on the driver, and it is refused. MLP:"
              + " with initialWeights (on the features' own scale) the default does not apply, and true is refused");
      aggregationDepth = new IntParam(owner, "aggregationDepth",
          "suggested depth for treeAggregate (>= 2)", Validators.intAtLeast("aggregationDepth", 2));
      checkpointInterval = new IntParam(owner, "checkpointInterval",
          "set checkpoint interval (>= 1) or disable checkpoint (-1). E.g. 10 means that the sharded"
              + " optimizer state (mesh with a model dimension > 1) is checkpointed every 10 steps; reliably"
              + " when the SparkContext has a checkpoint directory, locally otherwise",
          Validators.check("checkpointInterval", "-1 (never) or an integer >= 1",
              v -> (Integer) v == -1 || (Integer) v >= 1));
      seed = new LongParam(owner, "seed", "random seed of the mini-batch shuffle");
      learningRate = new DoubleParam(owner, "learningRate",
          "Adagrad learning rate (> 0). The stages' default 0.5 suits linear models on features of unit scale"
              + " (Keras' Adagrad default, 0.001, barely moves them in 100 steps). Ignored when"
              + " learningRateSchedule or optimizerConfig is set",
          Validators.finitePositive("learningRate"));
      learningRateSchedule = new Param<>(owner, "learningRateSchedule",
          "Keras learning-rate schedule as JSON, e.g. {\"class_name\": \"ExponentialDecay\", \"config\":"
              + " {\"initial_learning_rate\": 0.5, \"decay_steps\": 100, \"decay_rate\": 0.9}}; replaces"
              + " learningRate. Ignored when optimizerConfig is set",
          Validators.parses("learningRateSchedule", "a Keras learning-rate schedule JSON object",
              v -> Schedules.deserialize(Json.parse(v))));
      initialAccumulatorValue = new DoubleParam(owner, "initialAccumulatorValue",
          "Adagrad: starting value of every accumulator (>= 0)",
          Validators.finiteAtLeast("initialAccumulatorValue", 0));
      epsilon = new DoubleParam(owner, "epsilon",
          "Adagrad: constant added to the accumulator inside the square root (>= 0)",
          Validators.finiteAtLeast("epsilon", 0));
      weightDecay = new DoubleParam(owner, "weightDecay",
          "decoupled weight decay: w -= w * weightDecay * learningRate before each update, on the"
              + " coefficients and the intercept, as Keras (>= 0; unset = none)",
          Validators.finiteAtLeast("weightDecay", 0));
      clipNorm = new DoubleParam(owner, "clipNorm",
          "clip each variable's gradient to this L2 norm (> 0; unset = no clipping). At most one of"
              + " clipNorm, clipValue and globalClipNorm may be set",
          Validators.finitePositive("clipNorm"));
      clipValue = new DoubleParam(owner, "clipValue",
          "clip every gradient element to [-clipValue, clipValue] (> 0; unset = no clipping). At most one"
              + " of clipNorm, clipValue and globalClipNorm may be set",
          Validators.finitePositive("clipValue"));
      globalClipNorm = new DoubleParam(owner, "globalClipNorm",
          "clip all gradients together to this global L2 norm (> 0; unset = no clipping). At most one of"
              + " clipNorm, clipValue and globalClipNorm may be set",
          Validators.finitePositive("globalClipNorm"));
      useEma = new BooleanParam(owner, "useEma",
          "keep an exponential moving average (EMA) of the weights and use it as the fitted model");
      emaMomentum = new DoubleParam(owner, "emaMomentum",
          "EMA momentum m: average = m * average + (1 - m) * weights (in [0, 1])",
          Validators.inUnitInterval("emaMomentum"));
      emaOverwriteFrequency = new IntParam(owner, "emaOverwriteFrequency",
          "every this many steps, overwrite the weights with their EMA (>= 1; unset = never)",
          Validators.intAtLeast("emaOverwriteFrequency", 1));
      optimizerConfig = new Param<>(owner, "optimizerConfig",
          "a whole Keras Adagrad config as JSON (get_config() output or {\"class_name\": \"Adagrad\","
              + " \"config\": {...}}). When set it wins over learningRate, learningRateSchedule,"
              + " initialAccumulatorValue, epsilon, weightDecay, clipNorm, clipValue, globalClipNorm, useEma,"
              + " emaMomentum and emaOverwriteFrequency",
          Validators.parses("optimizerConfig", "a Keras Adagrad config JSON object",
              v -> Adagrad.fromConfig(Json.parse(v))));
      mesh = new Param<>(owner, "mesh",
          "device mesh as name=size pairs, e.g. batch=4,model=2: the rows are split into as many"
              + " partitions as the batch dimension's size, and a model dimension > 1 shards the"
              + " coefficients across executors. Unset: batch=<the SparkContext's defaultParallelism>",
          Validators.parses("mesh", "a mesh such as 'batch=4,model=2'", v -> Mesh.parse(v)));
      batchSize = new IntParam(owner, "batchSize",
          "rows per optimizer step (>= 0; 0 = full batch). Each epoch visits every row once",
          Validators.intAtLeast("batchSize", 0));
      maxEpochs = new IntParam(owner, "maxEpochs",
          "stop after this many passes over the training rows (>= 0; 0 = no limit besides maxIter)",
          Validators.intAtLeast("maxEpochs", 0));
      stepsPerJob = new IntParam(owner, "stepsPerJob",
          "optimizer steps per Spark job (>= 0): 1 = one job per step; K >= 2 = up to K steps in one barrier job"
              + " whose tasks exchange gradients directly (same result bit for bit; an error says why where it"
              + " cannot run); 0 = that engine where it applies, else one job per step",
          Validators.intAtLeast("stepsPerJob", 0));
      dtype = new Param<>(owner, "dtype",
          "floating-point type of the weights, gradients and optimizer state: float32 (Keras' default) or"
              + " float64",
          Validators.oneOf("dtype", List.of("float32", "float64")));
      validationIndicatorCol = new Param<>(owner, "validationIndicatorCol",
          "name of a boolean column: rows where it is true are held out for validation (null counts as"
              + " false). The validation loss is evaluated after every epoch (every step for full batch);"
              + " training stops after earlyStoppingPatience evaluations without improvement, and the model"
              + " keeps the weights of the best evaluation");
      earlyStoppingPatience = new IntParam(owner, "earlyStoppingPatience",
          "validation evaluations without improvement before training stops (>= 1)",
          Validators.intAtLeast("earlyStoppingPatience", 1));
      validationTol = new DoubleParam(owner, "validationTol",
          "an evaluation improves on the best validation loss when best - loss > validationTol *"
              + " max(loss, 0.01) (>= 0; 0 = any decrease)",
          Validators.finiteAtLeast("validationTol", 0));
      onNonFiniteGradient = new Param<>(owner, "onNonFiniteGradient",
          "what to do with a step whose loss, gradient or updated weights hold NaN or infinity: error"
              + " (fail, naming the step and the variable), skip (keep the weights from before the step,"
              + " count it in the summary and go on) or propagate (let NaN through, as Keras)",
          Validators.oneOf("onNonFiniteGradient", List.of("error", "skip", "propagate")));
      checkpointDir = new Param<>(owner, "checkpointDir",
          "Hadoop path where the optimizer state (weights, Adagrad accumulators, EMA averages, step, loss"
              + " history) is checkpointed every checkpointInterval steps, format meshgrad-checkpoint/2; the"
              + " newest 3 are kept. Unset: no state checkpoints");
      resume = new BooleanParam(owner, "resume",
          "continue from the newest valid checkpoint in checkpointDir (a damaged newest one is skipped);"
              + " the fit must have the same settings and data, and then ends exactly as an uninterrupted one");
      if (classifier) {
        family = new Param<>(owner, "family",
            "auto, binomial or multinomial: binomial fits one coefficient vector (labels 0 and 1),"
                + " multinomial one per class (softmax); auto chooses binomial for 2 classes, else"
                + " multinomial",
            Validators.oneOf("family", List.of("auto", "binomial", "multinomial")));
        loss = new Param<>(owner, "loss",
            "logistic (gives probabilities) or hinge (a linear SVM: labels 0 and 1 only, and no"
                + " probability column)",
            Validators.oneOf("loss", List.of("logistic", "hinge")));
        threshold = new DoubleParam(owner, "threshold",
            "threshold in binary classification prediction, in range [0, 1]: prediction 1 when the probability"
                + " of class 1 is > threshold. With thresholds set too, they must agree (threshold = 1 / (1 +"
                + " thresholds(0) / thresholds(1))). Binomial logistic models only",
            Validators.inUnitInterval("threshold"));
      } else {
        family = null;
        loss = null;
        threshold = null;
      }
      owner.setDefault(maxIter, 100);
      owner.setDefault(tol, DEFAULT_TOL);
      owner.setDefault(regParam, 0.0);
      owner.setDefault(elasticNetParam, 0.0);
      owner.setDefault(fitIntercept, true);
      owner.setDefault(standardization, true);
      owner.setDefault(aggregationDepth, 2);
      owner.setDefault(checkpointInterval, 10);
      owner.setDefault(seed, (long) owner.getClass().getName().hashCode());
      owner.setDefault(learningRate, DEFAULT_LEARNING_RATE);
      owner.setDefault(initialAccumulatorValue, DEFAULT_INITIAL_ACCUMULATOR_VALUE);
      owner.setDefault(epsilon, 1e-7);
      owner.setDefault(useEma, false);
      owner.setDefault(emaMomentum, 0.99);
      owner.setDefault(batchSize, 0);
      owner.setDefault(maxEpochs, 0);
      owner.setDefault(stepsPerJob, 0);
      owner.setDefault(dtype, "float32");
      owner.setDefault(earlyStoppingPatience, 5);
      owner.setDefault(validationTol, 0.0);
      owner.setDefault(onNonFiniteGradient, NonFiniteGradient.ERROR.paramValue());
      owner.setDefault(resume, false);
      if (classifier) {
        owner.setDefault(family, "auto");
        owner.setDefault(loss, "logistic");
        owner.setDefault(threshold, 0.5);
      }
    }

    /**
     * The params that take their default from {@code spark.meshgrad.<name>} when not set: every
     * hyperparameter, no column name.
     */
    List<Param<?>> configurable() {
      List<Param<?>> out = new ArrayList<>(List.of(maxIter, tol, regParam, elasticNetParam, fitIntercept, standardization,
          aggregationDepth,
          checkpointInterval, seed, learningRate, learningRateSchedule, initialAccumulatorValue, epsilon,
          weightDecay, clipNorm, clipValue, globalClipNorm, useEma, emaMomentum, emaOverwriteFrequency,
          optimizerConfig, mesh, batchSize, maxEpochs, stepsPerJob, dtype, earlyStoppingPatience, validationTol,
          onNonFiniteGradient, checkpointDir, resume));
      if (family != null) {
        out.add(family);
        out.add(loss);
        out.add(threshold);
      }
      return Collections.unmodifiableList(out);
    }
  }
}
