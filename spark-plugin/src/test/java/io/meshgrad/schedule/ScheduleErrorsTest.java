package io.meshgrad.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every invalid argument or config is an IllegalArgumentException naming the class and the key. */
class ScheduleErrorsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json.replace('\'', '"'));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Executable load(String json) {
    return () -> Schedules.deserialize(parse(json));
  }

  private static Executable loadConfig(String className, String config) {
    return load("{'class_name': '" + className + "', 'config': " + config + "}");
  }

  /** The whole message. */
  private static Arguments exactly(String message, Executable call) {
    return Arguments.of(message, true, new String[] {message}, call);
  }

  /** Parts the message must contain. */
  private static Arguments naming(String[] parts, Executable call) {
    return Arguments.of(String.join(" ... ", parts), false, parts, call);
  }

  private static String[] parts(String... parts) {
    return parts;
  }

  static Stream<Arguments> invalidArguments() {
    double nan = Double.NaN;
    double inf = Double.POSITIVE_INFINITY;
    return Stream.of(
        exactly("ExponentialDecay: decay_steps must be > 0, got 0.0",
            () -> new ExponentialDecay(0.01, 0, 0.8)),
        exactly("ExponentialDecay: initial_learning_rate must be >= 0, got -0.01",
            () -> new ExponentialDecay(-0.01, 3, 0.8)),
        exactly("ExponentialDecay: initial_learning_rate must be a finite float32 number, got NaN",
            () -> new ExponentialDecay(nan, 3, 0.8)),
        exactly("ExponentialDecay: initial_learning_rate must be a finite float32 number, got 1.0E39",
            () -> new ExponentialDecay(1e39, 3, 0.8)),
        exactly("ExponentialDecay: decay_rate must be >= 0, got -0.5",
            () -> new ExponentialDecay(0.01, 3, -0.5)),
        exactly("ExponentialDecay: decay_rate must be a finite float32 number, got Infinity",
            () -> new ExponentialDecay(0.01, 3, inf)),
        exactly("InverseTimeDecay: decay_steps must be > 0, got -2.0",
            () -> new InverseTimeDecay(0.01, -2, 0.5)),
        exactly("InverseTimeDecay: decay_rate must be >= 0, got -1.0",
            () -> new InverseTimeDecay(0.01, 2, -1)),
        exactly("PolynomialDecay: decay_steps must be > 0, got 0.0",
            () -> new PolynomialDecay(0.01, 0)),
        exactly("PolynomialDecay: end_learning_rate must be >= 0, got -1.0E-4",
            () -> new PolynomialDecay(0.01, 4, -0.0001, 1, false, null)),
        exactly("PolynomialDecay: power must be >= 0, got -1.0",
            () -> new PolynomialDecay(0.01, 4, 0.0001, -1, false, null)),
        exactly("PolynomialDecay: power must be a finite float32 number, got NaN",
            () -> new PolynomialDecay(0.01, 4, 0.0001, nan, false, null)),
        exactly("CosineDecay: decay_steps must be >= 0, got -1.0",
            () -> new CosineDecay(0.01, -1)),
        exactly("CosineDecay: alpha must be >= 0, got -0.1",
            () -> new CosineDecay(0.01, 10, -0.1, null, null, 0)),
        exactly("CosineDecay: warmup_target must be >= 0, got -0.1",
            () -> new CosineDecay(0.01, 10, 0, null, -0.1, 5)),
        exactly("CosineDecay: warmup_target must be a finite float32 number, got NaN",
            () -> new CosineDecay(0.01, 10, 0, null, nan, 5)),
        exactly("CosineDecay: warmup_steps must be >= 0, got -5.0",
            () -> new CosineDecay(0.01, 10, 0, null, 0.1, -5)),
        exactly("CosineDecayRestarts: first_decay_steps must be > 0, got 0.0",
            () -> new CosineDecayRestarts(0.01, 0)),
        exactly("CosineDecayRestarts: t_mul must be > 0, got 0.0",
            () -> new CosineDecayRestarts(0.01, 10, 0, 1, 0, null)),
        exactly("CosineDecayRestarts: t_mul must be > 0, got -2.0",
            () -> new CosineDecayRestarts(0.01, 10, -2, 1, 0, null)),
        exactly("CosineDecayRestarts: m_mul must be >= 0, got -0.5",
            () -> new CosineDecayRestarts(0.01, 10, 2, -0.5, 0, null)),
        exactly("CosineDecayRestarts: alpha must be >= 0, got -2.0",
            () -> new CosineDecayRestarts(0.01, 10, 2, 1, -2, null)),
        exactly("CosineDecayRestarts: initial_learning_rate must be >= 0, got -1.0",
            () -> new CosineDecayRestarts(-1, 10)),
        exactly("PiecewiseConstantDecay: The length of boundaries should be 1 less than the length of values. "
                + "Received: boundaries=[2, 5] of length 2, and values=[0.1, 0.01] of length 2.",
            () -> new PiecewiseConstantDecay(new double[] {2, 5}, new double[] {0.1, 0.01})),
        exactly("PiecewiseConstantDecay: boundaries must be non-decreasing after truncation to "
                + "integers, got [5, 2]",
            () -> new PiecewiseConstantDecay(new double[] {5, 2}, new double[] {3, 2, 1})),
        exactly("PiecewiseConstantDecay: boundaries must be non-decreasing after truncation to "
                + "integers, got [3.2, 2.7]",
            () -> new PiecewiseConstantDecay(new double[] {3.2, 2.7}, new double[] {3, 2, 1})),
        exactly("PiecewiseConstantDecay: boundaries must have at least 1 entry, got []",
            () -> new PiecewiseConstantDecay(new double[0], new double[] {0.1})),
        exactly("PiecewiseConstantDecay: boundaries[1] must be a finite float32 number, got NaN",
            () -> new PiecewiseConstantDecay(new double[] {1, nan}, new double[] {3, 2, 1})),
        exactly("PiecewiseConstantDecay: boundaries[0] must be within the int64 range, got 1.0E19",
            () -> new PiecewiseConstantDecay(new double[] {1e19}, new double[] {2, 1})),
        exactly("PiecewiseConstantDecay: values[1] must be >= 0, got -0.1",
            () -> new PiecewiseConstantDecay(new double[] {1}, new double[] {0.1, -0.1})),
        exactly("PiecewiseConstantDecay: boundaries must be non-null, got null",
            () -> new PiecewiseConstantDecay(null, new double[] {0.1})));
  }

  static Stream<Arguments> invalidConfigs() {
    String exponential = "'initial_learning_rate': 0.01, 'decay_steps': 3, 'decay_rate': 0.8";
    return Stream.of(
        exactly("ExponentialDecay: unknown key 'learning_rate'; allowed keys are "
                + "[initial_learning_rate, decay_steps, decay_rate, staircase, name]",
            loadConfig("ExponentialDecay", "{" + exponential + ", 'learning_rate': 0.1}")),
        exactly("ExponentialDecay: missing required key 'decay_rate'",
            loadConfig("ExponentialDecay", "{'initial_learning_rate': 0.01, 'decay_steps': 3}")),
        exactly("ExponentialDecay: decay_steps must be a number, got string \"3\"",
            loadConfig("ExponentialDecay", "{'initial_learning_rate': 0.01, 'decay_steps': '3', 'decay_rate': 0.8}")),
        exactly("ExponentialDecay: decay_steps must be > 0, got 0.0",
            loadConfig("ExponentialDecay", "{'initial_learning_rate': 0.01, 'decay_steps': 0, 'decay_rate': 0.8}")),
        exactly("ExponentialDecay: initial_learning_rate must be a number, got null",
            loadConfig("ExponentialDecay", "{'initial_learning_rate': null, 'decay_steps': 3, 'decay_rate': 0.8}")),
        exactly("InverseTimeDecay: staircase must be a boolean, got number 1",
            loadConfig("InverseTimeDecay", "{" + exponential + ", 'staircase': 1}")),
        exactly("InverseTimeDecay: name must be a string or null, got number 5",
            loadConfig("InverseTimeDecay", "{" + exponential + ", 'name': 5}")),
        exactly("PolynomialDecay: cycle must be a boolean, got string \"true\"",
            loadConfig("PolynomialDecay", "{'initial_learning_rate': 0.01, 'decay_steps': 4, 'cycle': 'true'}")),
        exactly("PolynomialDecay: unknown key 'decay_rate'; allowed keys are "
                + "[initial_learning_rate, decay_steps, end_learning_rate, power, cycle, name]",
            loadConfig("PolynomialDecay", "{'initial_learning_rate': 0.01, 'decay_steps': 4, 'decay_rate': 1}")),
        exactly("PiecewiseConstantDecay: boundaries must be an array of numbers, got number 2",
            loadConfig("PiecewiseConstantDecay", "{'boundaries': 2, 'values': [1, 2]}")),
        exactly("PiecewiseConstantDecay: values[1] must be a number, got string \"0.1\"",
            loadConfig("PiecewiseConstantDecay", "{'boundaries': [2], 'values': [1, '0.1']}")),
        exactly("PiecewiseConstantDecay: missing required key 'values'",
            loadConfig("PiecewiseConstantDecay", "{'boundaries': [2]}")),
        exactly("CosineDecay: warmup_target must be a number, got string \"0.1\"",
            loadConfig("CosineDecay", "{'initial_learning_rate': 0.01, 'decay_steps': 4, 'warmup_target': '0.1'}")),
        exactly("CosineDecay: alpha must be >= 0, got -2.0",
            loadConfig("CosineDecay", "{'initial_learning_rate': 0.01, 'decay_steps': 4, 'alpha': -2}")),
        exactly("CosineDecayRestarts: unknown key 'decay_steps'; allowed keys are "
                + "[initial_learning_rate, first_decay_steps, t_mul, m_mul, alpha, name]",
            loadConfig("CosineDecayRestarts", "{'initial_learning_rate': 0.01, 'decay_steps': 4}")),
        exactly("CosineDecayRestarts: missing required key 'first_decay_steps'",
            loadConfig("CosineDecayRestarts", "{'initial_learning_rate': 0.01}")),
        exactly("CosineDecay: config must be non-null, got null",
            () -> CosineDecay.fromConfig(null)));
  }

  static Stream<Arguments> invalidSerializedSchedules() {
    return Stream.of(
        naming(parts("Schedules: a serialized schedule must be a JSON object", "got [1,2]"), load("[1, 2]")),
        naming(parts("Schedules: a serialized schedule must be a JSON object", "got \"ExponentialDecay\""),
            load("'ExponentialDecay'")),
        naming(parts("Schedules: a serialized schedule must be a JSON object", "got null"),
            () -> Schedules.deserialize(null)),
        naming(parts("Schedules: a serialized schedule must be a JSON object", "got null"),
            () -> Schedules.deserialize(NullNode.getInstance())),
        exactly("Schedules: unknown key 'kind'; allowed keys are "
                + "[module, class_name, config, registered_name]",
            load("{'class_name': 'CosineDecay', 'config': {}, 'kind': 1}")),
        exactly("Schedules: missing required key 'class_name'", load("{'config': {}}")),
        exactly("Schedules: class_name must be a string, got number 3", load("{'class_name': 3, 'config': {}}")),
        exactly("Schedules: missing required key 'config'", load("{'class_name': 'CosineDecay'}")),
        exactly("Schedules: config must be a JSON object, got null",
            load("{'class_name': 'CosineDecay', 'config': null}")),
        exactly("Schedules: config must be a JSON object, got array [0.01,10]",
            load("{'class_name': 'CosineDecay', 'config': [0.01, 10]}")),
        exactly("Schedules: module must be a string or null, got number 1",
            load("{'module': 1, 'class_name': 'CosineDecay', 'config': {}}")),
        exactly("Schedules: registered_name must be a string or null, got boolean true",
            load("{'class_name': 'CosineDecay', 'config': {}, 'registered_name': true}")),
        naming(parts("Schedules: unknown schedule class_name 'StepDecay'", "built-in schedules are "
                + "[CosineDecay, CosineDecayRestarts, ExponentialDecay, InverseTimeDecay, "
                + "PiecewiseConstantDecay, PolynomialDecay]", "Schedules.register(\"StepDecay\", fromConfig)"),
            load("{'class_name': 'StepDecay', 'config': {}}")),
        naming(parts("Schedules: Cannot deserialize object of type `MySchedule` (module null)",
                "Schedules.register(\"MySchedule\", fromConfig)"),
            load("{'module': null, 'class_name': 'MySchedule', 'config': {}, 'registered_name': 'MySchedule'}")),
        naming(parts("Schedules: Cannot deserialize object of type `ExponentialDecay` (module null)",
                "module \"keras.optimizers.schedules\" or no module key"),
            load("{'module': null, 'class_name': 'ExponentialDecay', 'config': {'initial_learning_rate': 0.01,"
                + " 'decay_steps': 3, 'decay_rate': 0.8}, 'registered_name': 'ExponentialDecay'}")),
        exactly("Schedules: schedule must be non-null, got null", () -> Schedules.serialize(null)),
        exactly("Schedules: className must be non-null, got null",
            () -> Schedules.register(null, config -> new CosineDecay(0.1, 1))),
        exactly("Schedules: fromConfig must be non-null, got null", () -> Schedules.register("Mine", null)),
        naming(parts("Schedules: className must be non-empty and not a built-in schedule", "got ''"),
            () -> Schedules.register("", config -> new CosineDecay(0.1, 1))),
        naming(parts("Schedules: className must be non-empty and not a built-in schedule", "got 'CosineDecay'"),
            () -> Schedules.register("CosineDecay", config -> new CosineDecay(0.1, 1))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"invalidArguments", "invalidConfigs", "invalidSerializedSchedules"})
  void throwsIllegalArgumentExceptionNamingTheProblem(
      String description, boolean exact, String[] parts, Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    if (exact) {
      assertEquals(description, e.getMessage());
    } else {
      for (String part : parts) {
        assertTrue(e.getMessage().contains(part), () -> "'" + e.getMessage() + "' lacks '" + part + "'");
      }
    }
  }

  @Test
  void aRegisteredFromConfigMustReturnASchedule() {
    Schedules.register("ReturnsNull", config -> null);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        load("{'class_name': 'ReturnsNull', 'config': {}}"));
    assertEquals("Schedules: the fromConfig function registered for ReturnsNull returned null", e.getMessage());
  }

  @Test
  void serializeRejectsACustomScheduleWithoutClassNameOrConfig() {
    LearningRateSchedule nameless = new LearningRateSchedule() {
      @Override
      public float valueAt(long step) {
        return 0.1f;
      }

      @Override
      public String className() {
        return null;
      }

      @Override
      public ObjectNode getConfig() {
        return JSON.createObjectNode();
      }
    };
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedules.serialize(nameless));
    assertTrue(e.getMessage().startsWith("Schedules: ") && e.getMessage().contains("className()"), e.getMessage());
  }
}
