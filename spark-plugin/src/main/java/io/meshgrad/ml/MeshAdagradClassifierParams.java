package io.meshgrad.ml;

import java.util.Locale;
import org.apache.spark.ml.param.Param;

/** {@link MeshAdagradParams} plus the classifier's {@code family} and {@code loss}. */
public interface MeshAdagradClassifierParams extends MeshAdagradParams {

  /** auto (default), binomial or multinomial. */
  default Param<String> family() {
    return meshgradParams().family;
  }

  /** logistic (default) or hinge. */
  default Param<String> loss() {
    return meshgradParams().loss;
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
