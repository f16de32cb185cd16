package io.meshgrad.optimizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a Keras {@code get_config()} object key by key, with errors that name the optimizer,
 * the key, the allowed values and the value received; {@link #finish()} rejects the keys nobody
 * read. One reader per {@code from_config} call.
 */
public final class ConfigReader {
  private final String owner;
  private final ObjectNode config;
  private final Set<String> known = new LinkedHashSet<>();

  ConfigReader(String owner, ObjectNode config) {
    this.owner = owner;
    this.config = config;
  }

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

  /** An {@link IllegalArgumentException} naming this optimizer and key. */
  public IllegalArgumentException error(String key, String rule, JsonNode received) {
    return new IllegalArgumentException(owner + ": config key '" + key + "' " + rule + ", got " + received);
  }

  /**
   * Rejects every key not read.
   *
   * @throws IllegalArgumentException naming the first unknown key and the allowed keys
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
}
