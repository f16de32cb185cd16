package io.meshgrad.optimizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode json(String s) {
    try {
      return JSON.readTree(s);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** What Keras 2.13's Adagrad().get_config() returns on a CPU machine, as JSON. */
  static final String KERAS_DEFAULT_CONFIG = "{\"name\": \"Adagrad\", \"weight_decay\": null, \"clipnorm\": null,"
      + " \"global_clipnorm\": null, \"clipvalue\": null, \"use_ema\": false, \"ema_momentum\": 0.99,"
      + " \"ema_overwrite_frequency\": null, \"jit_compile\": false, \"is_legacy_optimizer\": false,"
      + " \"learning_rate\": 0.0010000000474974513, \"initial_accumulator_value\": 0.1, \"epsilon\": 1e-07}";

  @Test
  void getConfigHasKerasKeysInKerasOrder() {
    ObjectNode c = new Adagrad().getConfig();
    List<String> keys = new ArrayList<>();
    c.fieldNames().forEachRemaining(keys::add);
    assertEquals(List.of("name", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema",
        "ema_momentum", "ema_overwrite_frequency", "jit_compile", "is_legacy_optimizer", "learning_rate",
        "initial_accumulator_value", "epsilon"), keys);
    assertEquals(json(KERAS_DEFAULT_CONFIG), c);
    assertEquals(0.0010000000474974513, c.get("learning_rate").doubleValue());
  }

  @Test
  void kerasConfigLoadsUnchangedAndRoundTrips() {
    Adagrad fromKeras = Adagrad.fromConfig(json(KERAS_DEFAULT_CONFIG));
    assertEquals(json(KERAS_DEFAULT_CONFIG), fromKeras.getConfig());
    Adagrad custom = Adagrad.builder().name("opt").learningRate(0.05).initialAccumulatorValue(0.2).epsilon(1e-6)
        .weightDecay(0.004).globalClipnorm(2.0).useEma(true).emaMomentum(0.9).emaOverwriteFrequency(5).build();
    ObjectNode c = custom.getConfig();
    assertEquals(c, Adagrad.fromConfig(c).getConfig());
    assertEquals(0.05f, Adagrad.fromConfig(c).currentLearningRate());
  }

  @Test
  void configWithScheduleRoundTrips() {
    ObjectNode c = (ObjectNode) json(KERAS_DEFAULT_CONFIG);
    c.set("learning_rate", json("{\"class_name\": \"CosineDecay\", \"config\": {\"initial_learning_rate\": 0.1,"
        + " \"decay_steps\": 100, \"alpha\": 0.0, \"name\": null, \"warmup_target\": null, \"warmup_steps\": 0}}"));
    Adagrad a = Adagrad.fromConfig(c);
    ObjectNode out = a.getConfig();
    assertEquals("CosineDecay", out.get("learning_rate").get("class_name").asText());
    assertEquals(out, Adagrad.fromConfig(out).getConfig());
    assertEquals(0.1f, a.currentLearningRate(), 1e-9);
  }

  @Test
  void keras213ScheduleFormWithModuleLoads() {
    ObjectNode c = (ObjectNode) json(KERAS_DEFAULT_CONFIG);
    c.set("learning_rate", json("{\"module\": \"keras.optimizers.schedules\", \"class_name\": \"ExponentialDecay\","
        + " \"config\": {\"initial_learning_rate\": 0.1, \"decay_steps\": 10, \"decay_rate\": 0.5,"
        + " \"staircase\": true, \"name\": null}, \"registered_name\": null}"));
    Adagrad a = Adagrad.fromConfig(c);
    a.setIterations(10);
    assertEquals(0.05f, a.currentLearningRate(), 1e-9);
  }

  @Test
  void wrappedKerasSaveFormLoads() {
    Adagrad a = Adagrad.fromConfig(json("{\"module\": \"keras.optimizers\", \"class_name\": \"Adagrad\", \"config\": "
        + KERAS_DEFAULT_CONFIG + ", \"registered_name\": null}"));
    assertEquals(json(KERAS_DEFAULT_CONFIG), a.getConfig());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Adagrad.fromConfig(json("{\"class_name\": \"Adam\", \"config\": {}}")));
    assertTrue(e.getMessage().contains("'Adam'"), e.getMessage());
  }

  @Test
  void jitCompileIsAcceptedButReportedFalse() {
    assertFalse(Adagrad.fromConfig(json("{\"jit_compile\": true}")).getConfig().get("jit_compile").booleanValue());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "{\"initial_accumulator_value\": -0.1} | initial_accumulator_value must be a finite number >= 0",
      "{\"epsilon\": -1e-7}                   | epsilon must be a finite number >= 0",
      "{\"use_ema\": true, \"ema_momentum\": 1.5} | ema_momentum must be in the range [0, 1] when use_ema is true",
      "{\"use_ema\": true, \"ema_momentum\": -0.1} | ema_momentum must be in the range [0, 1] when use_ema is true",
      "{\"use_ema\": true, \"ema_overwrite_frequency\": -1} | ema_overwrite_frequency must be an integer >= 1, or 0",
      "{\"ema_overwrite_frequency\": 2.5}     | 'ema_overwrite_frequency' must be an integer",
      "{\"clipnorm\": 1.0, \"clipvalue\": 0.5} | at most one of clipnorm, global_clipnorm and clipvalue",
      "{\"clipnorm\": 1.0, \"global_clipnorm\": 1.0} | at most one of clipnorm, global_clipnorm and clipvalue",
      "{\"global_clipnorm\": 1.0, \"clipvalue\": 0.5} | at most one of clipnorm, global_clipnorm and clipvalue",
      "{\"clipnorm\": -1.0}                   | clipnorm must be a finite number > 0",
      "{\"clipvalue\": 0.0}                   | clipvalue must be a finite number > 0",
      "{\"weight_decay\": -0.01}              | weight_decay must be a finite number >= 0",
      "{\"learning_rate\": -0.01}             | learning_rate must be a finite number >= 0",
      "{\"learning_rate\": \"fast\"}          | 'learning_rate' must be a number or a schedule",
      "{\"lr\": 0.1}                          | 'lr' is deprecated",
      "{\"decay\": 0.1}                       | 'decay' is deprecated",
      "{\"gradient_aggregator\": null}        | 'gradient_aggregator' is deprecated",
      "{\"momentum\": 0.9}                    | unknown config key [momentum]; allowed keys are",
      "{\"is_legacy_optimizer\": true}        | legacy Keras optimizer config",
      "{\"use_ema\": \"yes\"}                 | 'use_ema' must be true or false",
      "{\"name\": \"\"}                       | name must be a non-empty string",
  })
  void invalidConfigIsRejectedWithANamedParameter(String config, String expectedMessage) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Adagrad.fromConfig(json(config)));
    assertTrue(e.getMessage().contains(expectedMessage), () -> "message: " + e.getMessage());
  }

  @Test
  void builderValidatesTheSameWay() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Adagrad.builder().epsilon(Double.NaN).build());
    assertTrue(e.getMessage().startsWith("Adagrad: epsilon"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Adagrad.builder().learningRate(Double.POSITIVE_INFINITY));
  }

  @Test
  void unknownKeyMessageListsTheAllowedKeys() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Adagrad.fromConfig(json("{\"beta_1\": 0.9}")));
    assertTrue(e.getMessage().contains("initial_accumulator_value") && e.getMessage().contains("global_clipnorm"),
        e.getMessage());
  }
}
