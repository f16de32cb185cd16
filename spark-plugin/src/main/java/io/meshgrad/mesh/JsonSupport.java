package io.meshgrad.mesh;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** JSON reading shared by {@link Mesh#fromJson(String)} and {@link Layout#fromJson}. */
final class JsonSupport {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

  private JsonSupport() {}

  static JsonNode readTree(String json, String what) {
    try {
      JsonNode node = MAPPER.readTree(json);
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
  static String describe(JsonNode node) {
    return node + " (a JSON " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + ")";
  }
}
