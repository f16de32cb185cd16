package io.meshgrad.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** get_config, serialize/deserialize in both Keras forms, the custom registry, Java serialization. */
class SchedulesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static Stream<LearningRateSchedule> schedules() {
    return Stream.of(
        new ExponentialDecay(0.01, 3, 0.8, true, "exp"),
        new PiecewiseConstantDecay(new double[] {2, 5.5}, new double[] {0.01, 0.005, 0.001}),
        new PolynomialDecay(0.01, 4, 0.0002, 2.0, true, null),
        new InverseTimeDecay(0.01, 2.5, 0.5),
        new CosineDecay(0.001, 10, 0.1, "cos", 0.01, 4),
        new CosineDecayRestarts(0.01, 3, 2.0, 0.9, 0.05, null));
  }

  private static JsonNode parse(String json) throws IOException {
    return JSON.readTree(json.replace('\'', '"'));
  }

  private static List<String> keys(JsonNode node) {
    List<String> keys = new ArrayList<>();
    node.fieldNames().forEachRemaining(keys::add);
    return keys;
  }

  @ParameterizedTest
  @MethodSource("schedules")
  void serializeThenDeserializeGivesAnEqualSchedule(LearningRateSchedule schedule) throws IOException {
    ObjectNode serialized = Schedules.serialize(schedule);
    assertEquals(List.of("class_name", "config"), keys(serialized));
    assertEquals(schedule.className(), serialized.get("class_name").textValue());
    LearningRateSchedule loaded = Schedules.deserialize(JSON.readTree(JSON.writeValueAsString(serialized)));
    assertEquals(schedule, loaded);
    assertEquals(schedule.hashCode(), loaded.hashCode());
    assertEquals(schedule.toString(), loaded.toString());
    assertNotSame(schedule, loaded);
    for (long step = 0; step < 30; step++) {
      assertEquals(schedule.valueAt(step), loaded.valueAt(step));
    }
  }

  @ParameterizedTest
  @MethodSource("schedules")
  void javaSerializationKeepsTheSchedule(LearningRateSchedule schedule) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(schedule);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertEquals(schedule, in.readObject());
    }
  }

  @Test
  void configsHaveKerasKeysInKerasOrder() {
    assertEquals(List.of("initial_learning_rate", "decay_steps", "decay_rate", "staircase", "name"),
        keys(new ExponentialDecay(0.1, 1, 0.9).getConfig()));
    assertEquals(List.of("initial_learning_rate", "decay_steps", "decay_rate", "staircase", "name"),
        keys(new InverseTimeDecay(0.1, 1, 0.9).getConfig()));
    assertEquals(List.of("boundaries", "values", "name"),
        keys(new PiecewiseConstantDecay(new double[] {1}, new double[] {1, 2}).getConfig()));
    assertEquals(List.of("initial_learning_rate", "decay_steps", "end_learning_rate", "power", "cycle", "name"),
        keys(new PolynomialDecay(0.1, 1).getConfig()));
    assertEquals(List.of("initial_learning_rate", "decay_steps", "alpha", "name", "warmup_target", "warmup_steps"),
        keys(new CosineDecay(0.1, 1).getConfig()));
    assertEquals(List.of("initial_learning_rate", "first_decay_steps", "t_mul", "m_mul", "alpha", "name"),
        keys(new CosineDecayRestarts(0.1, 1).getConfig()));
  }

  @Test
  void configValuesAreTheRawValuesGiven() throws IOException {
    ObjectNode config = new ExponentialDecay(0.01, 3, 0.8).getConfig();
    assertEquals(0.01, config.get("initial_learning_rate").doubleValue());
    assertTrue(config.get("initial_learning_rate").isDouble());
    assertTrue(config.get("decay_steps").isInt(), "an integral step count is written as an integer");
    assertTrue(config.get("name").isNull());
    assertEquals(parse("{'initial_learning_rate': 0.01, 'decay_steps': 3, 'decay_rate': 0.8,"
        + " 'staircase': false, 'name': null}"), config);
    assertEquals(parse("{'initial_learning_rate': 0.01, 'decay_steps': 2.5, 'decay_rate': 0.5,"
        + " 'staircase': false, 'name': null}"), new InverseTimeDecay(0.01, 2.5, 0.5).getConfig());
    assertEquals(parse("{'boundaries': [2, 5.5], 'values': [0.01, 0.005, 1.0], 'name': 'pw'}"),
        new PiecewiseConstantDecay(new double[] {2, 5.5}, new double[] {0.01, 0.005, 1}, "pw").getConfig());
  }

  @Test
  void getConfigReturnsAFreshNode() {
    CosineDecay schedule = new CosineDecay(0.1, 10);
    schedule.getConfig().put("alpha", 0.5);
    assertEquals(0.0, schedule.getConfig().get("alpha").doubleValue());
  }

  /** The learning_rate entries of the conformance scenarios, as Keras 2.13 wrote them. */
  static Stream<String> kerasConfigs() {
    return Stream.of(
        "{'class_name': 'CosineDecay', 'config': {'initial_learning_rate': 0.01, 'decay_steps': 5,"
            + " 'alpha': 0.1, 'name': null, 'warmup_target': null, 'warmup_steps': 0}}",
        "{'class_name': 'CosineDecayRestarts', 'config': {'initial_learning_rate': 0.01,"
            + " 'first_decay_steps': 3, 't_mul': 2.0, 'm_mul': 0.9, 'alpha': 0.05, 'name': null}}",
        "{'class_name': 'ExponentialDecay', 'config': {'initial_learning_rate': 0.01, 'decay_steps': 3,"
            + " 'decay_rate': 0.8, 'staircase': false, 'name': null}}",
        "{'class_name': 'InverseTimeDecay', 'config': {'initial_learning_rate': 0.01, 'decay_steps': 2,"
            + " 'decay_rate': 0.5, 'staircase': true, 'name': null}}",
        "{'class_name': 'PiecewiseConstantDecay', 'config': {'boundaries': [2, 5],"
            + " 'values': [0.01, 0.005, 0.001], 'name': null}}",
        "{'class_name': 'PolynomialDecay', 'config': {'initial_learning_rate': 0.01, 'decay_steps': 4,"
            + " 'end_learning_rate': 0.0001, 'power': 2.0, 'cycle': false, 'name': null}}");
  }

  @ParameterizedTest
  @MethodSource("kerasConfigs")
  void kerasConfigsLoadAndSerializeBackToTheSameJson(String json) throws IOException {
    JsonNode keras = parse(json);
    assertEquals(keras, Schedules.serialize(Schedules.deserialize(keras)));
  }

  @ParameterizedTest
  @MethodSource("kerasConfigs")
  void keras213FormLoadsTheSameSchedule(String json) throws IOException {
    JsonNode legacy = parse(json);
    ObjectNode keras213 = JSON.createObjectNode();
    keras213.put("module", "keras.optimizers.schedules");
    keras213.set("class_name", legacy.get("class_name"));
    keras213.set("config", legacy.get("config"));
    keras213.putNull("registered_name");
    assertEquals(Schedules.deserialize(legacy), Schedules.deserialize(keras213));
  }

  @Test
  void keras211CosineDecayConfigWithoutWarmupKeysLoads() throws IOException {
    LearningRateSchedule loaded = Schedules.deserialize(parse("{'class_name': 'CosineDecay', 'config':"
        + " {'initial_learning_rate': 0.01, 'decay_steps': 5, 'alpha': 0.1, 'name': null}}"));
    CosineDecay cosine = assertInstanceOf(CosineDecay.class, loaded);
    assertNull(cosine.getWarmupTarget());
    assertEquals(0.0, cosine.getWarmupSteps());
    assertEquals(new CosineDecay(0.01, 5, 0.1, null, null, 0), cosine);
  }

  @Test
  void keysWithKerasDefaultsMayBeLeftOut() throws IOException {
    assertEquals(new PolynomialDecay(0.01, 4),
        Schedules.deserialize(parse("{'class_name': 'PolynomialDecay', 'config':"
            + " {'initial_learning_rate': 0.01, 'decay_steps': 4}}")));
    assertEquals(new CosineDecayRestarts(0.01, 3),
        Schedules.deserialize(parse("{'class_name': 'CosineDecayRestarts', 'config':"
            + " {'initial_learning_rate': 0.01, 'first_decay_steps': 3}}")));
  }

  @Test
  void deserializeDoesNotModifyItsInput() throws IOException {
    JsonNode node = parse("{'class_name': 'ExponentialDecay', 'config':"
        + " {'initial_learning_rate': 0.01, 'decay_steps': 3, 'decay_rate': 0.8}}");
    JsonNode copy = node.deepCopy();
    Schedules.deserialize(node);
    assertEquals(copy, node);
  }

  @Test
  void equalityIsByClassAndValue() {
    assertEquals(new ExponentialDecay(0.01, 3, 0.8), new ExponentialDecay(0.01, 3, 0.8, false, null));
    assertNotEquals(new ExponentialDecay(0.01, 3, 0.8), new ExponentialDecay(0.01, 3, 0.8, true, null));
    assertNotEquals(new ExponentialDecay(0.01, 3, 0.8), new InverseTimeDecay(0.01, 3, 0.8));
    assertNotEquals(new CosineDecay(0.01, 3), new CosineDecay(0.01, 3, 0.0, "named", null, 0));
    assertEquals("ExponentialDecay{\"initial_learning_rate\":0.01,\"decay_steps\":3,\"decay_rate\":0.8,"
        + "\"staircase\":false,\"name\":null}", new ExponentialDecay(0.01, 3, 0.8).toString());
  }

  /** A user schedule, as in Keras' docs: initial / (step + 1). */
  static final class OneOverT extends LearningRateSchedule {
    private final double initial;

    OneOverT(double initial) {
      this.initial = initial;
    }

    static OneOverT fromConfig(ObjectNode config) {
      return new OneOverT(config.get("initial_learning_rate").doubleValue());
    }

    @Override
    public float valueAt(long step) {
      return (float) initial / (step + 1);
    }

    @Override
    public String className() {
      return "OneOverT";
    }

    @Override
    public ObjectNode getConfig() {
      return JSON.createObjectNode().put("initial_learning_rate", initial);
    }
  }

  @Test
  void registeredCustomScheduleRoundTrips() {
    Schedules.register("OneOverT", OneOverT::fromConfig);
    OneOverT schedule = new OneOverT(0.5);
    ObjectNode serialized = Schedules.serialize(schedule);
    assertEquals("OneOverT", serialized.get("class_name").textValue());
    LearningRateSchedule loaded = Schedules.deserialize(serialized);
    assertEquals(schedule, loaded);
    assertEquals(0.25f, loaded.valueAt(1));
  }

  @Test
  void customScheduleLoadsFromTheKeras213FormByClassOrRegisteredName() throws IOException {
    Schedules.register("my_package>OneOverT", OneOverT::fromConfig);
    assertEquals(new OneOverT(0.1), Schedules.deserialize(parse("{'module': null, 'class_name': 'OneOverT',"
        + " 'config': {'initial_learning_rate': 0.1}, 'registered_name': 'my_package>OneOverT'}")));
    Schedules.register("OneOverT", OneOverT::fromConfig);
    assertEquals(new OneOverT(0.2), Schedules.deserialize(parse("{'module': 'train', 'class_name': 'OneOverT',"
        + " 'config': {'initial_learning_rate': 0.2}, 'registered_name': 'OneOverT'}")));
  }
}
