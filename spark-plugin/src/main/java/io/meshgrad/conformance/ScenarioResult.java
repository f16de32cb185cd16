package io.meshgrad.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.tensor.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The state after a scenario: iteration count and, per variable, its value, its accumulator and
 * its EMA average ({@code averages} is {@code null} without EMA). Values are widened to double;
 * float32 values are exact in a double.
 */
public record ScenarioResult(
    String name, long iterations, List<double[]> variables, List<double[]> accumulators, List<double[]> averages) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reads the {@code expected} object of a scenario. */
  static ScenarioResult fromJson(String name, JsonNode e) {
    return new ScenarioResult(name, e.path("iterations").asLong(), arrays(e.get("variables")),
        arrays(e.get("accumulators")), e.hasNonNull("averages") ? arrays(e.get("averages")) : null);
  }

  private static List<double[]> arrays(JsonNode a) {
    List<double[]> out = new ArrayList<>();
    if (a != null) {
      a.forEach(x -> out.add(Scenario.numbers(x)));
    }
    return out;
  }

  /**
   * One JSON line {@code {"name", "iterations", "variables", "accumulators", "averages"}}. Every
   * number round-trips exactly (the shortest decimal that parses back to the same double, hence
   * to the same float32); non-finite numbers are the strings NaN, Infinity, -Infinity.
   */
  public String toJsonLine() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("name", name);
    o.put("iterations", iterations);
    o.set("variables", toJson(variables));
    o.set("accumulators", toJson(accumulators));
    o.set("averages", averages == null ? JsonNodeFactory.instance.nullNode() : toJson(averages));
    try {
      return JSON.writeValueAsString(o);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ArrayNode toJson(List<double[]> arrays) {
    ArrayNode outer = JsonNodeFactory.instance.arrayNode();
    for (double[] a : arrays) {
      ArrayNode inner = outer.addArray();
      for (double x : a) {
        if (Double.isNaN(x)) {
          inner.add("NaN");
        } else if (Double.isInfinite(x)) {
          inner.add(x > 0 ? "Infinity" : "-Infinity");
        } else {
          inner.add(x);
        }
      }
    }
    return outer;
  }

  /**
   * Compares with {@code expected} by the conformance rule: bit for bit (NaN equals NaN) when
   * {@code exact}, else {@code |a - e| <= atol + rtol*|e|} with (1e-5, 1e-7) for float32 and
   * (1e-10, 1e-13) for float64.
   *
   * @return a description of the first differing element, or empty if they agree
   */
  public Optional<String> firstDifference(ScenarioResult expected, DType dtype, boolean exact) {
    if (iterations != expected.iterations) {
      return Optional.of("iterations: expected " + expected.iterations + ", got " + iterations);
    }
    Optional<String> d = compare("variables", variables, expected.variables, dtype, exact);
    if (d.isEmpty()) {
      d = compare("accumulators", accumulators, expected.accumulators, dtype, exact);
    }
    if (d.isEmpty()) {
      if ((averages == null) != (expected.averages == null)) {
        return Optional.of("averages: expected " + (expected.averages == null ? "null" : "values")
            + ", got " + (averages == null ? "null" : "values"));
      }
      if (averages != null) {
        d = compare("averages", averages, expected.averages, dtype, exact);
      }
    }
    return d;
  }

  private static Optional<String> compare(String what, List<double[]> actual, List<double[]> expected,
      DType dtype, boolean exact) {
    if (actual.size() != expected.size()) {
      return Optional.of(what + ": expected " + expected.size() + " arrays, got " + actual.size());
    }
    double rtol = dtype == DType.FLOAT32 ? 1e-5 : 1e-10;
    double atol = dtype == DType.FLOAT32 ? 1e-7 : 1e-13;
    for (int v = 0; v < actual.size(); v++) {
      double[] a = actual.get(v);
      double[] e = expected.get(v);
      if (a.length != e.length) {
        return Optional.of(what + "[" + v + "]: expected " + e.length + " elements, got " + a.length);
      }
      for (int i = 0; i < a.length; i++) {
        double ei = dtype.round(e[i]);
        boolean same = exact
            ? a[i] == ei || (Double.isNaN(a[i]) && Double.isNaN(ei))
            : (Double.isNaN(a[i]) && Double.isNaN(ei)) || a[i] == ei || Math.abs(a[i] - ei) <= atol + rtol * Math.abs(ei);
        if (!same) {
          return Optional.of(what + "[" + v + "][" + i + "]: expected " + ei + ", got " + a[i]);
        }
      }
    }
    return Optional.empty();
  }
}
