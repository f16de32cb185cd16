package io.meshgrad.ml;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Params;

/**
 * {@link MeshgradParams} plus the factorization machine's own, named as MLlib's {@code
 * FMClassifier} names them: {@code factorSize}, {@code fitLinear}, {@code initStd} and {@code
 * miniBatchFraction}. ({@code fitIntercept}, {@code regParam}, {@code maxIter}, {@code tol} and
 * {@code seed} are the shared ones.)
 */
public interface MeshFMParams extends MeshgradParams {

  /** The FM param objects of this stage (an implementation detail of the accessors below). */
  FMParamSet fmParams();

  /** Length {@code k} of each feature's factor vector ({@code >= 1}, default 8 as MLlib). */
  default IntParam factorSize() {
    return fmParams().factorSize;
  }

  /** Whether to fit the linear term {@code sum_j w_j x_j} (default true). */
  default BooleanParam fitLinear() {
    return fmParams().fitLinear;
  }

  /** Standard deviation of the factors' normal initialization ({@code >= 0}, default 0.01 as MLlib). */
  default DoubleParam initStd() {
    return fmParams().initStd;
  }

  /**
   * Fraction of the training rows in each step's batch (in (0, 1], default 1: full batch); sets
   * {@code batchSize} to {@code ceil(fraction * rows)}.
   */
  default DoubleParam miniBatchFraction() {
    return fmParams().miniBatchFraction;
  }

  /** The value (or default) of {@link #factorSize()}. */
  default int getFactorSize() {
    return (Integer) getOrDefault(factorSize());
  }

  /** The value (or default) of {@link #fitLinear()}. */
  default boolean getFitLinear() {
    return (Boolean) getOrDefault(fitLinear());
  }

  /** The value (or default) of {@link #initStd()}. */
  default double getInitStd() {
    return (Double) getOrDefault(initStd());
  }

  /** The value (or default) of {@link #miniBatchFraction()}. */
  default double getMiniBatchFraction() {
    return (Double) getOrDefault(miniBatchFraction());
  }

  /**
   * The FM params of one stage, created with the stage as their parent once its uid is set, with
   * their defaults registered on it. Not for direct use: go through the stage's accessors.
   */
  final class FMParamSet implements Serializable {
    private static final long serialVersionUID = 1L;

    final IntParam factorSize;
    final BooleanParam fitLinear;
    final DoubleParam initStd;
    final DoubleParam miniBatchFraction;

    FMParamSet(Params owner) {
      factorSize = new IntParam(owner, "factorSize",
          "dimensionality of the factors: each feature j has a factor vector V_j of this length (>= 1)",
          Validators.intAtLeast("factorSize", 1));
      fitLinear = new BooleanParam(owner, "fitLinear",
          "whether to fit the linear term (also called 1-way term): sum_j w_j x_j");
      initStd = new DoubleParam(owner, "initStd",
          "standard deviation of the normal distribution the factors start from (>= 0)",
          Validators.finiteAtLeast("initStd", 0));
      miniBatchFraction = new DoubleParam(owner, "miniBatchFraction",
          "fraction of the training rows in each step's batch, in (0, 1]: batchSize becomes ceil(fraction *"
              + " rows); 1 = full batch (or batchSize when that is set). Set at most one of miniBatchFraction < 1"
              + " and batchSize > 0",
          Validators.check("miniBatchFraction", "a number in (0, 1]", v -> (Double) v > 0 && (Double) v <= 1));
      owner.setDefault(factorSize, 8);
      owner.setDefault(fitLinear, true);
      owner.setDefault(initStd, 0.01);
      owner.setDefault(miniBatchFraction, 1.0);
      owner.setDefault(((MeshgradParams) owner).standardization(), DEFAULT_STANDARDIZATION);
      // initialAccumulatorValue: Keras' 0.1 (a9a, MeshFMTest); rows of 65536 features or more start at 0.001
      // unless it is set (Fitting, MeshAdagradParams.ParamSet.WIDE_INITIAL_ACCUMULATOR_VALUE)
      owner.setDefault(((MeshgradParams) owner).initialAccumulatorValue(), 0.1);
    }

    /**
     * The FM stages' default {@code standardization}, chosen by measurement ({@code
     * StageDefaultsSweep}, docs/defaults.md): false. FM data is mostly sparse one-hot or hashed, where
     * dividing by a rare feature's small standard deviation multiplies its steps.
     */
    static final boolean DEFAULT_STANDARDIZATION = false;

    /** The params that take their default from {@code spark.meshgrad.<name>}. */
    List<org.apache.spark.ml.param.Param<?>> configurable() {
      return List.of(factorSize, fitLinear, initStd, miniBatchFraction);
    }
  }
}
