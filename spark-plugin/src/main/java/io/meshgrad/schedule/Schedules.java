package io.meshgrad.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.support.Checks;
import io.meshgrad.support.ConfigReader;
import io.meshgrad.support.Json;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Keras' {@code keras.optimizers.schedules.serialize}/{@code deserialize}, and the registry of custom
 * schedules (Keras' {@code custom_objects}).
 */
public final class Schedules {
  private static final String OWNER = "Schedules";
  private static final List<String> KEYS = List.of("module", "class_name", "config", "registered_name");
  private static final Map<String, Function<ObjectNode, LearningRateSchedule>> BUILT_INS = Map.of(
      "ExponentialDecay", ExponentialDecay::fromConfig,
      "PiecewiseConstantDecay", PiecewiseConstantDecay::fromConfig,
      "PolynomialDecay", PolynomialDecay::fromConfig,
      "InverseTimeDecay", InverseTimeDecay::fromConfig,
      "CosineDecay", CosineDecay::fromConfig,
      "CosineDecayRestarts", CosineDecayRestarts::fromConfig);
  private static final Map<String, Function<ObjectNode, LearningRateSchedule>> CUSTOM =
      new ConcurrentHashMap<>();

  private Schedules() {}

  /**
   * The Keras 2.11/2.12 form {@code {"class_name": "<Name>", "config": {...}}}, which meshgrad's own
   * config files use too.
   *
   * @throws IllegalArgumentException if {@code schedule} is null, or its {@code className()} is null
   *     or empty, or its {@code getConfig()} is null
   */
  public static ObjectNode serialize(LearningRateSchedule schedule) {
    Checks.notNull(OWNER, "schedule", schedule);
    String className = schedule.className();
    ObjectNode config = schedule.getConfig();
    if (className == null || className.isEmpty() || config == null) {
      throw Checks.error(OWNER, schedule.getClass().getName() + ".className() and getConfig() must be "
          + "non-empty, got class name " + className + " and config " + config);
    }
    ObjectNode serialized = Json.object();
    serialized.put("class_name", className);
    serialized.set("config", config);
    return serialized;
  }

  /**
   * Loads a schedule from the Keras 2.11/2.12 form {@code {"class_name", "config"}} or the Keras 2.13
   * form {@code {"module", "class_name", "config", "registered_name"}}. The class is one of the six
   * built-ins named by {@code class_name}, else a custom schedule registered under
   * {@code class_name} or {@code registered_name}. As in Keras 2.13, an entry with
   * {@code "module": null} must be a registered custom schedule.
   *
   * @throws IllegalArgumentException if the node is not such an object, names an unknown class, or
   *     its config is invalid for the class
   */
  public static LearningRateSchedule deserialize(JsonNode node) {
    if (node == null || !node.isObject()) {
      throw Checks.error(OWNER, "a serialized schedule must be a JSON object "
          + "{\"class_name\": ..., \"config\": {...}}, got " + node);
    }
    ConfigReader read = ConfigReader.withKeys(OWNER, (ObjectNode) node, KEYS);
    String className = read.string("class_name");
    ObjectNode config = read.object("config");
    String registeredName = read.stringOrNull("registered_name");
    boolean noModule = node.has("module") && read.stringOrNull("module") == null;
    Function<ObjectNode, LearningRateSchedule> fromConfig = noModule ? null : BUILT_INS.get(className);
    if (fromConfig == null) {
      fromConfig = CUSTOM.get(className);
    }
    if (fromConfig == null && registeredName != null) {
      fromConfig = CUSTOM.get(registeredName);
    }
    if (fromConfig == null) {
      throw unknown(className, noModule);
    }
    LearningRateSchedule schedule = fromConfig.apply(config.deepCopy());
    if (schedule == null) {
      throw Checks.error(OWNER, "the fromConfig function registered for " + className + " returned null");
    }
    return schedule;
  }

  /**
   * Registers a custom schedule so that {@link #deserialize} can load configs naming it, like Keras'
   * {@code custom_objects}. A later registration under the same name replaces the earlier one.
   *
   * @param className the {@code class_name} (or {@code registered_name}) its serialized form carries;
   *     not one of the built-in names
   * @param fromConfig builds the schedule from its {@code config} object (a copy the function may keep)
   * @throws IllegalArgumentException if an argument is null, the name is empty, or it is a built-in
   */
  public static void register(String className, Function<ObjectNode, LearningRateSchedule> fromConfig) {
    Checks.notNull(OWNER, "className", className);
    Checks.notNull(OWNER, "fromConfig", fromConfig);
    if (className.isEmpty() || BUILT_INS.containsKey(className)) {
      throw Checks.error(OWNER, "className must be non-empty and not a built-in schedule "
          + new TreeSet<>(BUILT_INS.keySet()) + ", got '" + className + "'");
    }
    CUSTOM.put(className, fromConfig);
  }

  private static IllegalArgumentException unknown(String className, boolean noModule) {
    String howToRegister = "register it with Schedules.register(\"" + className + "\", fromConfig)";
    if (noModule && BUILT_INS.containsKey(className)) {
      return Checks.error(OWNER, "Cannot deserialize object of type `" + className + "` (module null): "
          + "as in Keras 2.13, module null marks a custom class; a built-in schedule has module "
          + "\"keras.optimizers.schedules\" or no module key");
    }
    if (noModule) {
      return Checks.error(OWNER, "Cannot deserialize object of type `" + className + "` (module null): "
          + "it is not a registered custom schedule; " + howToRegister);
    }
    return Checks.error(OWNER, "unknown schedule class_name '" + className + "'; built-in schedules are "
        + new TreeSet<>(BUILT_INS.keySet()) + ", registered custom schedules are "
        + new TreeSet<>(CUSTOM.keySet()) + "; if it is a custom schedule, " + howToRegister);
  }
}
