package io.meshgrad.ml;

/**
 * The setters of the meshgrad estimators, returning the estimator for chaining. Each validates
 * its value at once (an {@link IllegalArgumentException} names the param and what it allows).
 *
 * @param <S> the estimator type
 */
public interface MeshgradSetters<S extends MeshgradSetters<S>> extends MeshgradParams {

  /** Sets the column of row weights; unset or empty: every weight is 1. */
  default S setWeightCol(String value) {
    set(weightCol(), value);
    return self();
  }

  /** Sets the maximum number of optimizer steps (>= 0). */
  default S setMaxIter(int value) {
    set(maxIter(), value);
    return self();
  }

  /** Sets whether the features are standardized inside the fit (MLlib's {@code standardization}). */
  default S setStandardization(boolean value) {
    set(standardization(), value);
    return self();
  }

  /** Sets the relative loss change that stops training (>= 0; 0: never). */
  default S setTol(double value) {
    set(tol(), value);
    return self();
  }

  /** Sets the regularization strength on the coefficients (>= 0; see {@link #elasticNetParam()}). */
  default S setRegParam(double value) {
    set(regParam(), value);
    return self();
  }

  /** Sets {@link #elasticNetParam()}: 0 = L2 only, 1 = L1 only. */
  default S setElasticNetParam(double value) {
    set(elasticNetParam(), value);
    return self();
  }

  /** Sets whether to fit an intercept. */
  default S setFitIntercept(boolean value) {
    set(fitIntercept(), value);
    return self();
  }

  /** Sets the depth of the gradient tree sums (>= 2). */
  default S setAggregationDepth(int value) {
    set(aggregationDepth(), value);
    return self();
  }

  /** Sets the steps between checkpoints of sharded state (>= 1, or -1 for never). */
  default S setCheckpointInterval(int value) {
    set(checkpointInterval(), value);
    return self();
  }

  /** Sets the seed of the mini-batch shuffle. */
  default S setSeed(long value) {
    set(seed(), value);
    return self();
  }

  /** Sets the constant Adagrad learning rate (> 0). */
  default S setLearningRate(double value) {
    set(learningRate(), value);
    return self();
  }

  /** Sets a Keras learning-rate schedule as JSON; replaces learningRate. */
  default S setLearningRateSchedule(String value) {
    set(learningRateSchedule(), value);
    return self();
  }

  /** Sets the starting value of the Adagrad accumulators (>= 0). */
  default S setInitialAccumulatorValue(double value) {
    set(initialAccumulatorValue(), value);
    return self();
  }

  /** Sets Adagrad's epsilon (>= 0). */
  default S setEpsilon(double value) {
    set(epsilon(), value);
    return self();
  }

  /** Sets the decoupled weight decay (>= 0). */
  default S setWeightDecay(double value) {
    set(weightDecay(), value);
    return self();
  }

  /** Sets the per-variable gradient norm limit (> 0). */
  default S setClipNorm(double value) {
    set(clipNorm(), value);
    return self();
  }

  /** Sets the element-wise gradient limit (> 0). */
  default S setClipValue(double value) {
    set(clipValue(), value);
    return self();
  }

  /** Sets the global gradient norm limit (> 0). */
  default S setGlobalClipNorm(double value) {
    set(globalClipNorm(), value);
    return self();
  }

  /** Sets whether to return an exponential moving average of the weights. */
  default S setUseEma(boolean value) {
    set(useEma(), value);
    return self();
  }

  /** Sets the EMA momentum (in [0, 1]). */
  default S setEmaMomentum(double value) {
    set(emaMomentum(), value);
    return self();
  }

  /** Sets the steps between overwriting the weights with their EMA (>= 1). */
  default S setEmaOverwriteFrequency(int value) {
    set(emaOverwriteFrequency(), value);
    return self();
  }

  /** Sets a whole Keras Adagrad config as JSON; it wins over the individual Adagrad params. */
  default S setOptimizerConfig(String value) {
    set(optimizerConfig(), value);
    return self();
  }

  /** Sets the device mesh, e.g. {@code batch=4,model=2}. */
  default S setMesh(String value) {
    set(mesh(), value);
    return self();
  }

  /** Sets the rows per step (>= 0; 0: full batch). */
  default S setBatchSize(int value) {
    set(batchSize(), value);
    return self();
  }

  /** Sets the maximum number of passes over the data (>= 0; 0: no limit). */
  default S setMaxEpochs(int value) {
    set(maxEpochs(), value);
    return self();
  }

  /** Sets the optimizer steps per Spark job (>= 0; 1: one job per step; 0: automatic); see {@link #stepsPerJob()}. */
  default S setStepsPerJob(int value) {
    set(stepsPerJob(), value);
    return self();
  }

  /** Sets float32 or float64. */
  default S setDtype(String value) {
    set(dtype(), value);
    return self();
  }

  /** Sets the boolean column marking validation rows. */
  default S setValidationIndicatorCol(String value) {
    set(validationIndicatorCol(), value);
    return self();
  }

  /** Sets the evaluations without improvement before stopping (>= 1). */
  default S setEarlyStoppingPatience(int value) {
    set(earlyStoppingPatience(), value);
    return self();
  }

  /** Sets the relative improvement threshold of the validation loss (>= 0). */
  default S setValidationTol(double value) {
    set(validationTol(), value);
    return self();
  }

  /** Sets error, skip or propagate. */
  default S setOnNonFiniteGradient(String value) {
    set(onNonFiniteGradient(), value);
    return self();
  }

  @SuppressWarnings("unchecked")
  private S self() {
    return (S) this;
  }

  /** Sets the Hadoop path of optimizer-state checkpoints. */
  default S setCheckpointDir(String value) {
    set(checkpointDir(), value);
    return self();
  }

  /** Sets whether to continue from the newest valid checkpoint in checkpointDir. */
  default S setResume(boolean value) {
    set(resume(), value);
    return self();
  }
}
