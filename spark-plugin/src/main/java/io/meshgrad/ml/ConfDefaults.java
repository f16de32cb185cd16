package io.meshgrad.ml;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.Param;
import org.apache.spark.sql.SparkSession;
import scala.Option;

/**
 * Makes the {@code spark.meshgrad.<paramName>} defaults visible: where a stage's effective value
 * of a param comes from a Spark conf key rather than the param's built-in default. An estimator
 * reads the conf of the active (else the default) Spark session, as its {@code fit} will; a fitted
 * model remembers which of its params were taken from the conf at fit time. For every meshgrad stage.
 */
final class ConfDefaults {
  private ConfDefaults() {}

  /** The Spark session whose conf an estimator's fit would read now, if any. */
  private static Option<SparkSession> session() {
    Option<SparkSession> active = SparkSession.getActiveSession();
    return active.isDefined() ? active : SparkSession.getDefaultSession();
  }

  /** The raw conf value that would give {@code param} its value at fit time, or null. */
  static String pendingConfValue(MeshgradParams stage, Param<?> param) {
    if (!(stage instanceof Estimator<?>) || stage.isSet(param)
        || !Fitting.configurable(stage).contains(param)) {
      return null;
    }
    Option<SparkSession> spark = session();
    if (spark.isEmpty()) {
      return null;
    }
    Option<String> raw = spark.get().conf().getOption(Fitting.CONF_PREFIX + param.name());
    return raw.isDefined() ? raw.get().trim() : null;
  }

  /**
   * Spark's explanation of {@code param} ({@code name: doc (default: d, current: c)}) with the
   * conf source added: for an estimator {@code current: v from Spark conf spark.meshgrad.name},
   * for a fitted model {@code ... from Spark conf spark.meshgrad.name at fit}.
   */
  static String explain(MeshgradParams stage, Param<?> param, String sparkExplanation) {
    String key = Fitting.CONF_PREFIX + param.name();
    if (stage.meshgradParams().fromConf.contains(param.name())) {
      return beforeClose(sparkExplanation) + " from Spark conf " + key + " at fit)";
    }
    String pending = pendingConfValue(stage, param);
    if (pending == null) {
      return sparkExplanation;
    }
    String base = beforeClose(sparkExplanation);
    if (base.endsWith("(undefined")) {
      base = base.substring(0, base.length() - "undefined".length());
    } else {
      base += ", ";
    }
    return base + "current: " + pending + " from Spark conf " + key + ")";
  }

  /** {@code name=value (spark.meshgrad.name)} for each param a fit took from the conf. */
  static List<String> describe(MeshgradParams stage) {
    List<String> out = new ArrayList<>();
    for (Param<?> p : stage.params()) {
      if (stage.meshgradParams().fromConf.contains(p.name())) {
        out.add(p.name() + "=" + stage.getOrDefault(p) + " (" + Fitting.CONF_PREFIX + p.name() + ")");
      }
    }
    return out;
  }

  private static String beforeClose(String explanation) {
    return explanation.endsWith(")") ? explanation.substring(0, explanation.length() - 1) : explanation;
  }
}
