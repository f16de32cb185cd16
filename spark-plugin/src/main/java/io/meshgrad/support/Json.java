package io.meshgrad.support;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * JSON for the whole library: parsing with errors that say what was wrong ({@link #parse} for
 * stage params and saved metadata, {@link #readTree} for a mesh or a layout, which also rejects
 * duplicate keys), and the JSON values of a Keras {@code get_config()} ({@link #object},
 * {@link #count}, {@link #counts}, {@link #numbers}).
 */
public final class Json {
  /** A plain Jackson mapper, for writing and for {@link #parse}. */
  public static final ObjectMapper MAPPER = new ObjectMapper();

  private static final ObjectMapper STRICT =
      JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Json() {}

  /**
   * Parses one JSON value.
   *
   * @throws IllegalArgumentException if {@code text} is not valid JSON
   */
  public static JsonNode parse(String text) {
    try {
      JsonNode node = MAPPER.readTree(text);
      if (node == null || node.isMissingNode()) {
        throw new IllegalArgumentException("expected a JSON value, got an empty string");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Parses one JSON value that describes {@code what}; a key twice in one object is an error.
   *
   * @throws IllegalArgumentException naming {@code what} if {@code json} is not valid JSON
   */
  public static JsonNode readTree(String json, String what) {
    try {
      JsonNode node = STRICT.readTree(json);
      if (node == null || node.isMissingNode()) {
        throw new IllegalArgumentException(
            "cannot read " + what + " from JSON: expected a JSON value, got empty text");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "cannot read " + what + " from JSON '" + json + "': " + e.getOriginalMessage(), e);
    }
  }

  /** The node as JSON text with its type, for error messages. */
  public static String describe(JsonNode node) {
    return node + " (a JSON " + node.getNodeType().name().toLowerCase(Locale.ROOT) + ")";
  }

  /** A new empty JSON object. */
  public static ObjectNode object() {
    return NODES.objectNode();
  }

  /**
   * A step count ({@code decay_steps}, {@code warmup_steps}, a boundary) as Keras users write it and
   * as Jackson parses it back: an integer node when the value is integral, else a double. Keras casts
   * these to float32 or int64 before use, so the two spellings compute the same schedule.
   */
  public static JsonNode count(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 0x1p63) {
      long integral = (long) value;
      return integral == (int) integral ? NODES.numberNode((int) integral) : NODES.numberNode(integral);
    }
    return NODES.numberNode(value);
  }

  /** Step counts as a JSON array, each as {@link #count} writes it. */
  public static ArrayNode counts(double[] values) {
    ArrayNode array = NODES.arrayNode(values.length);
    for (double value : values) {
      array.add(count(value));
    }
    return array;
  }

  /** Numbers as a JSON array of doubles. */
  public static ArrayNode numbers(double[] values) {
    ArrayNode array = NODES.arrayNode(values.length);
    for (double value : values) {
      array.add(value);
    }
    return array;
  }
}
