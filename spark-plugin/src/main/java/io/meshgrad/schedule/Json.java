package io.meshgrad.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Builds the JSON values of {@code get_config()}. */
final class Json {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Json() {}

  static ObjectNode object() {
    return NODES.objectNode();
  }

  /**
   * A step count ({@code decay_steps}, {@code warmup_steps}, a boundary) as Keras users write it and
   * as Jackson parses it back: an integer node when the value is integral, else a double. Keras casts
   * these to float32 or int64 before use, so the two spellings compute the same schedule.
   */
  static JsonNode count(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 0x1p63) {
      long integral = (long) value;
      return integral == (int) integral ? NODES.numberNode((int) integral) : NODES.numberNode(integral);
    }
    return NODES.numberNode(value);
  }

  static ArrayNode counts(double[] values) {
    ArrayNode array = NODES.arrayNode(values.length);
    for (double value : values) {
      array.add(count(value));
    }
    return array;
  }

  static ArrayNode numbers(double[] values) {
    ArrayNode array = NODES.arrayNode(values.length);
    for (double value : values) {
      array.add(value);
    }
    return array;
  }
}
