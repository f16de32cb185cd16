package io.meshgrad.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads a Keras {@code get_config()} object (an optimizer's or a learning rate schedule's) key by
 * key, with errors that name the owner, the key, the allowed values and the value received. One
 * reader per {@code from_config} call.
 *
 * <p>The allowed keys are fixed one of two ways:
 * <ul>
 *   <li>{@link #withKeys}: known up front; an unknown key is an error at once (a schedule: Keras
 *       checks the keys, through {@code cls(**config)}, but not the types);</li>
 *   <li>{@link #ConfigReader(String, ObjectNode)}: the keys read are the allowed ones, and
 *       {@link #finish()} rejects every other (an optimizer: a subclass reads its own keys after
 *       the base class's).</li>
 * </ul>
 *
 * <p>And the values are read one of two ways:
 * <ul>
 *   <li>keys that Keras writes with a default and that may be {@code null} ({@link #raw},
 *       {@link #optionalDouble}, {@link #doubleOr}, {@link #optionalInt}, {@link #booleanOr},
 *       {@link #stringOr}): JSON null counts as absent; errors read {@code "<owner>: config key
 *       '<key>' must be <rule>, got <value>"};</li>
 *   <li>strictly typed keys ({@link #number(String)}, {@link #number(String, double)},
 *       {@link #numberOrNull}, {@link #bool}, {@link #string}, {@link #stringOrNull},
 *       {@link #object}, {@link #numbers}): a missing required key and a value of the wrong JSON
 *       type, JSON null included where not allowed, are errors reading {@code "<owner>: <key> must
 *       be <type>, got <JSON type> <value>"}.</li>
 * </ul>
 */
public final class ConfigReader {
  private final String owner;
  private final ObjectNode config;
  private final Set<String> known = new LinkedHashSet<>();

  /**
   * A reader that accepts the keys it reads (or {@link #ignore}s); {@link #finish()} rejects the
   * others.
   */
  public ConfigReader(String owner, ObjectNode config) {
    this.owner = owner;
    this.config = config;
  }

  /**
   * A reader over a config that may hold only {@code keys}.
   *
   * @throws IllegalArgumentException if {@code config} is null or holds another key
   */
  public static ConfigReader withKeys(String owner, ObjectNode config, List<String> keys) {
    ConfigReader r = new ConfigReader(owner, Checks.notNull(owner, "config", config));
    config.fieldNames().forEachRemaining(key -> {
      if (!keys.contains(key)) {
        throw Checks.error(owner, "unknown key '" + key + "'; allowed keys are " + keys);
      }
    });
    r.known.addAll(keys);
    return r;
  }

  // ---------------------------------------------------------------- keys with a default, null as absent

  /** The raw value of a key that needs custom parsing, or {@code null} if absent or JSON null. */
  public JsonNode raw(String key) {
    known.add(key);
    JsonNode n = config.get(key);
    return n == null || n.isNull() ? null : n;
  }

  /** Whether the key is present (even if null). */
  public boolean has(String key) {
    return config.has(key);
  }

  /** A number, or {@code null} if absent or JSON null. */
  public Double optionalDouble(String key) {
    JsonNode n = raw(key);
    if (n == null) {
      return null;
    }
    if (!n.isNumber()) {
      throw error(key, "must be a number or null", n);
    }
    return n.doubleValue();
  }

  /** A number, {@code defaultValue} if absent or null. */
  public double doubleOr(String key, double defaultValue) {
    Double d = optionalDouble(key);
    return d == null ? defaultValue : d;
  }

  /** An integer, or {@code null} if absent or JSON null. */
  public Integer optionalInt(String key) {
    JsonNode n = raw(key);
    if (n == null) {
      return null;
    }
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      throw error(key, "must be an integer or null", n);
    }
    return n.intValue();
  }

  /** A boolean, {@code defaultValue} if absent or null. */
  public boolean booleanOr(String key, boolean defaultValue) {
    JsonNode n = raw(key);
    if (n == null) {
      return defaultValue;
    }
    if (!n.isBoolean()) {
      throw error(key, "must be true or false", n);
    }
    return n.booleanValue();
  }

  /** A string, {@code defaultValue} if absent or null. */
  public String stringOr(String key, String defaultValue) {
    JsonNode n = raw(key);
    if (n == null) {
      return defaultValue;
    }
    if (!n.isTextual()) {
      throw error(key, "must be a string", n);
    }
    return n.textValue();
  }

  /** Marks a key as accepted without reading it. */
  public void ignore(String key) {
    known.add(key);
  }

  /** An {@link IllegalArgumentException} naming the owner and config key. */
  public IllegalArgumentException error(String key, String rule, JsonNode received) {
    return new IllegalArgumentException(owner + ": config key '" + key + "' " + rule + ", got " + received);
  }

  /**
   * Rejects every key not read.
   *
   * @throws IllegalArgumentException naming the unknown keys and the allowed keys
   */
  public void finish() {
    List<String> unknown = new ArrayList<>();
    for (Iterator<String> it = config.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!known.contains(k)) {
        unknown.add(k);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(owner + ": unknown config key" + (unknown.size() > 1 ? "s " : " ")
          + unknown + "; allowed keys are " + known);
    }
  }

  // ---------------------------------------------------------------- strictly typed keys

  /** A required number. */
  public double number(String key) {
    return toNumber(key, required(key));
  }

  /** A number, {@code defaultValue} if absent (JSON null is not a number). */
  public double number(String key, double defaultValue) {
    JsonNode node = present(key);
    return node == null ? defaultValue : toNumber(key, node);
  }

  /** A number that may be JSON null (absent means null too). */
  public Double numberOrNull(String key) {
    JsonNode node = present(key);
    return node == null || node.isNull() ? null : toNumber(key, node);
  }

  /** A boolean, {@code defaultValue} if absent. */
  public boolean bool(String key, boolean defaultValue) {
    JsonNode node = present(key);
    if (node == null) {
      return defaultValue;
    }
    if (!node.isBoolean()) {
      throw wrongType(key, "a boolean", node);
    }
    return node.booleanValue();
  }

  /** A required string. */
  public String string(String key) {
    JsonNode node = required(key);
    if (!node.isTextual()) {
      throw wrongType(key, "a string", node);
    }
    return node.textValue();
  }

  /** A string, or {@code null} if absent or JSON null. */
  public String stringOrNull(String key) {
    JsonNode node = present(key);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw wrongType(key, "a string or null", node);
    }
    return node.textValue();
  }

  /** A required JSON object. */
  public ObjectNode object(String key) {
    JsonNode node = required(key);
    if (!node.isObject()) {
      throw wrongType(key, "a JSON object", node);
    }
    return (ObjectNode) node;
  }

  /** A required array of numbers. */
  public double[] numbers(String key) {
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

  private JsonNode present(String key) {
    known.add(key);
    return config.get(key);
  }

  private JsonNode required(String key) {
    JsonNode node = present(key);
    if (node == null) {
      throw Checks.error(owner, "missing required key '" + key + "'");
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
    return Checks.error(owner, key + " must be " + expected + ", got " + got);
  }
}
