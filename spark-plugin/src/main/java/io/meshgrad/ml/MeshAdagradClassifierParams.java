package io.meshgrad.ml;

import java.util.Locale;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.Param;

/**
 * {@link MeshgradParams} plus the classifier's {@code family}, {@code loss} and {@code
 * threshold} (its getter and setter are on the stages, which also have Spark's {@code thresholds}).
 */
public interface MeshAdagradClassifierParams extends MeshAdagradParams {

  /** auto (default), binomial or multinomial. */
  default Param<String> family() {
    return meshgradParams().family;
  }

  /** logistic (default) or hinge. */
  default Param<String> loss() {
    return meshgradParams().loss;
  }

  /** Binary prediction threshold on the probability of class 1 (in [0, 1], default 0.5). */
  default DoubleParam threshold() {
    return meshgradParams().threshold;
  }

  /** The value (or default) of {@link #family()}, lower case. */
  default String getFamily() {
    return getOrDefault(family()).toLowerCase(Locale.ROOT);
  }

  /** The value (or default) of {@link #loss()}, lower case. */
  default String getLoss() {
    return getOrDefault(loss()).toLowerCase(Locale.ROOT);
  }
}
