package io.meshgrad.ml;

/**
 * The setters of the factorization machine estimators: {@link MeshgradSetters} plus the FM
 * params. Each validates its value at once.
 *
 * @param <S> the estimator type
 */
public interface MeshFMSetters<S extends MeshFMSetters<S>> extends MeshgradSetters<S>, MeshFMParams {

  /** Sets the factor size {@code k} (>= 1). */
  default S setFactorSize(int value) {
    set(factorSize(), value);
    return fmSelf();
  }

  /** Sets whether to fit the linear term. */
  default S setFitLinear(boolean value) {
    set(fitLinear(), value);
    return fmSelf();
  }

  /** Sets the standard deviation of the factors' initialization (>= 0). */
  default S setInitStd(double value) {
    set(initStd(), value);
    return fmSelf();
  }

  /** Sets the fraction of the rows in each step's batch (in (0, 1]). */
  default S setMiniBatchFraction(double value) {
    set(miniBatchFraction(), value);
    return fmSelf();
  }

  @SuppressWarnings("unchecked")
  private S fmSelf() {
    return (S) this;
  }
}
