package io.meshgrad.schedule;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.support.Checks;
import io.meshgrad.support.ConfigReader;
import io.meshgrad.support.Json;
import java.util.List;
import java.util.StringJoiner;

/**
 * Keras' {@code PiecewiseConstantDecay(boundaries, values, name=None)}: with the boundaries cast to
 * the step's type (int64, so fractional boundaries are truncated) and upper bounds inclusive,
 *
 * <pre>
 * lr = values[0]   if step &lt;= boundaries[0]
 *      values[i]   if boundaries[i-1] &lt; step &lt;= boundaries[i]
 *      values[-1]  if step &gt; boundaries[-1]
 * </pre>
 *
 * each value rounded to float32.
 */
public final class PiecewiseConstantDecay extends LearningRateSchedule {
  private static final long serialVersionUID = 1L;
  private static final String NAME = "PiecewiseConstantDecay";
  private static final List<String> KEYS = List.of("boundaries", "values", "name");
  /** 2^63: boundaries must fit the int64 step they are cast to. */
  private static final double INT64_LIMIT = 0x1p63;

  private final double[] boundaries;
  private final double[] values;
  private final String name;

  /**
   * @param boundaries at least one, finite, within int64, and non-decreasing once truncated to
   *     integers (as Keras, which truncates them to the int64 step)
   * @param values one more than {@code boundaries}; learning rates, finite and {@code >= 0}
   * @param name Keras' op name, or null; kept for the config only
   * @throws IllegalArgumentException if the arrays are null, their lengths do not match, or an entry
   *     is out of range
   */
  public PiecewiseConstantDecay(double[] boundaries, double[] values, String name) {
    this.boundaries = Checks.notNull(NAME, "boundaries", boundaries).clone();
    this.values = Checks.notNull(NAME, "values", values).clone();
    this.name = name;
    if (boundaries.length != values.length - 1) {
      throw Checks.error(NAME, "The length of boundaries should be 1 less than the length of values. "
          + "Received: boundaries=" + pythonList(Json.counts(boundaries)) + " of length "
          + boundaries.length + ", and values=" + pythonList(Json.numbers(values)) + " of length "
          + values.length + ".");
    }
    if (boundaries.length == 0) {
      throw Checks.error(NAME, "boundaries must have at least 1 entry, got []");
    }
    for (int i = 0; i < boundaries.length; i++) {
      String key = "boundaries[" + i + "]";
      if (Math.abs(Checks.finiteFloat32(NAME, key, boundaries[i])) >= INT64_LIMIT) {
        throw Checks.error(NAME, key + " must be within the int64 range, got " + boundaries[i]);
      }
      if (i > 0 && (long) boundaries[i] < (long) boundaries[i - 1]) {
        // Keras fails at call time on decreasing boundaries (two cases of its exclusive tf.case hold);
        // equal ones are fine there: the value between them is never used
        throw Checks.error(NAME, "boundaries must be non-decreasing after truncation to integers, got "
            + pythonList(Json.counts(boundaries)));
      }
    }
    for (int i = 0; i < values.length; i++) {
      Checks.nonNegative(NAME, "values[" + i + "]", values[i]);
    }
  }

  /** A list as Python prints it in Keras' messages: {@code [2, 5]}. */
  private static String pythonList(ArrayNode list) {
    StringJoiner joined = new StringJoiner(", ", "[", "]");
    list.forEach(entry -> joined.add(entry.toString()));
    return joined.toString();
  }

  /** With Keras' default {@code name=None}. */
  public PiecewiseConstantDecay(double[] boundaries, double[] values) {
    this(boundaries, values, null);
  }

  /**
   * Keras' {@code from_config}: the inverse of {@link #getConfig()}.
   *
   * @throws IllegalArgumentException on an unknown or missing key, a value of the wrong JSON type, or
   *     an invalid argument
   */
  public static PiecewiseConstantDecay fromConfig(ObjectNode config) {
    ConfigReader read = ConfigReader.withKeys(NAME, config, KEYS);
    return new PiecewiseConstantDecay(
        read.numbers("boundaries"), read.numbers("values"), read.stringOrNull("name"));
  }

  @Override
  public float valueAt(long step) {
    Checks.stepAsFloat32(NAME, step);
    int i = 0;
    while (i < boundaries.length && step > (long) boundaries[i]) {
      i++;
    }
    return (float) values[i];
  }

  @Override
  public String className() {
    return NAME;
  }

  @Override
  public ObjectNode getConfig() {
    ObjectNode config = Json.object();
    config.set("boundaries", Json.counts(boundaries));
    config.set("values", Json.numbers(values));
    config.put("name", name);
    return config;
  }

  /** A copy of the boundaries as given (not truncated). */
  public double[] getBoundaries() {
    return boundaries.clone();
  }

  /** A copy of the values as given. */
  public double[] getValues() {
    return values.clone();
  }

  /** The op name, or null. */
  public String getName() {
    return name;
  }
}
