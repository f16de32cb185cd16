package io.meshgrad.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One {@code meshgrad-scenario/1} optimizer trace: a Keras Adagrad config, initial variables, a
 * sequence of {@code apply_gradients} calls and, optionally, the state expected afterwards.
 * Non-finite numbers are the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}.
 */
public record Scenario(
    String name,
    DType dtype,
    ObjectNode optimizer,
    JsonNode mesh,
    List<VariableSpec> variables,
    List<List<Gradient>> steps,
    boolean finalizeValues,
    boolean exact,
    ScenarioResult expected) {

  public static final String FORMAT = "meshgrad-scenario/1";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** An initial variable: name, shape, optional layout (one entry per axis) and row-major value. */
  public record VariableSpec(String name, int[] shape, List<String> layout, Tensor value) {}

  /** Reads and validates a scenario file; errors name the file and the field. */
  public static Scenario read(Path file) throws IOException {
    JsonNode root = JSON.readTree(Files.readAllBytes(file));
    try {
      return parse(root);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** Parses a scenario from its JSON tree. */
  public static Scenario parse(JsonNode root) {
    String format = text(root, "format");
    if (!FORMAT.equals(format)) {
      throw new IllegalArgumentException("format must be '" + FORMAT + "', got '" + format + "'");
    }
    String name = text(root, "name");
    DType dtype = DType.parse(text(root, "dtype"));
    JsonNode opt = root.get("optimizer");
    if (opt == null || !opt.isObject()) {
      throw new IllegalArgumentException("scenario " + name + ": 'optimizer' must be an object");
    }
    List<VariableSpec> vars = new ArrayList<>();
    for (JsonNode v : array(root, "variables")) {
      int[] shape = ints(v.get("shape"));
      List<String> layout = null;
      if (v.hasNonNull("layout")) {
        layout = new ArrayList<>();
        for (JsonNode a : v.get("layout")) {
          layout.add(a.asText());
        }
      }
      vars.add(new VariableSpec(text(v, "name"), shape, layout,
          Tensor.fromDoubles(dtype, numbers(v.get("value")), shape)));
    }
    List<List<Gradient>> steps = new ArrayList<>();
    for (JsonNode step : array(root, "steps")) {
      JsonNode grads = step.get("gradients");
      if (grads == null || grads.size() != vars.size()) {
        throw new IllegalArgumentException("scenario " + name + ": step " + steps.size() + " must have "
            + vars.size() + " gradients");
      }
      List<Gradient> list = new ArrayList<>();
      for (int i = 0; i < vars.size(); i++) {
        list.add(gradient(grads.get(i), dtype, vars.get(i).shape()));
      }
      steps.add(Collections.unmodifiableList(list));
    }
    ScenarioResult expected = root.hasNonNull("expected")
        ? ScenarioResult.fromJson(name, root.get("expected")) : null;
    return new Scenario(name, dtype, (ObjectNode) opt, root.get("mesh"), List.copyOf(vars), List.copyOf(steps),
        root.path("finalize").asBoolean(false), root.path("exact").asBoolean(false), expected);
  }

  private static Gradient gradient(JsonNode g, DType dtype, int[] shape) {
    if (g == null || g.isNull()) {
      return null;
    }
    if (g.has("dense")) {
      return Tensor.fromDoubles(dtype, numbers(g.get("dense")), shape);
    }
    int[] indices = ints(g.get("indices"));
    int[] valuesShape = shape.clone();
    valuesShape[0] = indices.length;
    return new IndexedSlices(indices, Tensor.fromDoubles(dtype, numbers(g.get("values")), valuesShape), shape);
  }

  private static String text(JsonNode n, String field) {
    JsonNode f = n.get(field);
    if (f == null || !f.isTextual()) {
      throw new IllegalArgumentException("field '" + field + "' must be a string, got " + f);
    }
    return f.textValue();
  }

  private static JsonNode array(JsonNode n, String field) {
    JsonNode f = n.get(field);
    if (f == null || !f.isArray()) {
      throw new IllegalArgumentException("field '" + field + "' must be an array, got " + f);
    }
    return f;
  }

  private static int[] ints(JsonNode a) {
    if (a == null || !a.isArray()) {
      throw new IllegalArgumentException("expected an array of integers, got " + a);
    }
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).intValue();
    }
    return out;
  }

  /** Parses a JSON array of numbers and the strings NaN, Infinity, -Infinity. */
  static double[] numbers(JsonNode a) {
    if (a == null || !a.isArray()) {
      throw new IllegalArgumentException("expected an array of numbers, got " + a);
    }
    double[] out = new double[a.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode x = a.get(i);
      if (x.isNumber()) {
        out[i] = x.doubleValue();
      } else if (x.isTextual()) {
        out[i] = switch (x.textValue()) {
          case "NaN" -> Double.NaN;
          case "Infinity" -> Double.POSITIVE_INFINITY;
          case "-Infinity" -> Double.NEGATIVE_INFINITY;
          default -> throw new IllegalArgumentException("not a number: \"" + x.textValue() + "\"");
        };
      } else {
        throw new IllegalArgumentException("not a number: " + x);
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "Scenario(" + name + ", " + dtype + ", " + variables.size() + " variables, " + steps.size() + " steps"
        + (mesh != null && !mesh.isNull() ? ", mesh " + mesh : "") + ")";
  }
}
