package io.meshgrad.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;

/**
 * Reads a JSON object strictly, a schedule's {@code get_config()} or its serialized form: unknown keys,
 * missing required keys and values of the wrong JSON type are errors (Keras checks the keys, through
 * {@code cls(**config)}, but not the types). Keys with a Keras default may be absent.
 */
final class ConfigReader {
  private final String owner;
  private final ObjectNode config;

  ConfigReader(String owner, ObjectNode config, List<String> keys) {
    this.owner = owner;
    this.config = Check.notNull(owner, "config", config);
    config.fieldNames().forEachRemaining(key -> {
      if (!keys.contains(key)) {
        throw Check.error(owner, "unknown key '" + key + "'; allowed keys are " + keys);
      }
    });
  }

  double number(String key) {
    return toNumber(key, required(key));
  }

  double number(String key, double defaultValue) {
    JsonNode node = config.get(key);
    return node == null ? defaultValue : toNumber(key, node);
  }

  /** A number that may be JSON null (absent means null too). */
  Double numberOrNull(String key) {
    JsonNode node = config.get(key);
    return node == null || node.isNull() ? null : toNumber(key, node);
  }

  boolean bool(String key, boolean defaultValue) {
    JsonNode node = config.get(key);
    if (node == null) {
      return defaultValue;
    }
    if (!node.isBoolean()) {
      throw wrongType(key, "a boolean", node);
    }
    return node.booleanValue();
  }

  String string(String key) {
    JsonNode node = required(key);
    if (!node.isTextual()) {
      throw wrongType(key, "a string", node);
    }
    return node.textValue();
  }

  String stringOrNull(String key) {
    JsonNode node = config.get(key);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw wrongType(key, "a string or null", node);
    }
    return node.textValue();
  }

  ObjectNode object(String key) {
    JsonNode node = required(key);
    if (!node.isObject()) {
      throw wrongType(key, "a JSON object", node);
    }
    return (ObjectNode) node;
  }

  double[] numbers(String key) {
    JsonNode node = required(key);
    if (!node.isArray()) {
      throw wrongType(key, "an array of numbers", node);
    }
    double[] values = new double[node.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = toNumber(key + "[" + i + "]", node.get(i));
    }
    return values;
  }

  private JsonNode required(String key) {
    JsonNode node = config.get(key);
    if (node == null) {
      throw Check.error(owner, "missing required key '" + key + "'");
    }
    return node;
  }

  private double toNumber(String key, JsonNode node) {
    if (!node.isNumber()) {
      throw wrongType(key, "a number", node);
    }
    return node.doubleValue();
  }

  private IllegalArgumentException wrongType(String key, String expected, JsonNode node) {
    String got = node.isNull() ? "null" : node.getNodeType().name().toLowerCase(Locale.ROOT) + " " + node;
    return Check.error(owner, key + " must be " + expected + ", got " + got);
  }
}
