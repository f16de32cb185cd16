package io.meshgrad.model;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * What a {@link BlockModel} declares about one of its variables.
 *
 * @param name the variable's name (unique within the model; Keras' {@code variable.name})
 * @param shape its shape, every extent {@code >= 1}
 * @param initializer how its first value is drawn
 * @param regularized whether the L2 term ({@code regParam}) applies to it
 * @param featureIndexed whether axis 0 is indexed by input feature, so that a sparse block's
 *     gradient touches only the rows of its non-zero features
 * @param layout the axes of its layout on a mesh with a model dimension ({@code "unsharded"} or a
 *     mesh dimension name per axis), or {@code null} for {@link io.meshgrad.mesh.Layout#defaultFor}
 */
public record VariableSpec(String name, int[] shape, Initializer initializer, boolean regularized,
    boolean featureIndexed, List<String> layout) implements Serializable {

  public VariableSpec {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("name must be a non-empty string, got " + (name == null ? "null" : "\"\""));
    }
    if (shape == null) {
      throw new IllegalArgumentException("shape of " + name + " must be an array, got null");
    }
    for (int extent : shape) {
      if (extent < 1) {
        throw new IllegalArgumentException("shape of " + name + " must have extents >= 1, got " + Arrays.toString(shape));
      }
    }
    if (initializer == null) {
      throw new IllegalArgumentException("initializer of " + name + " must be given, got null");
    }
    if (layout != null && layout.size() != shape.length) {
      throw new IllegalArgumentException("layout of " + name + " must name " + shape.length + " axes (its rank), got "
          + layout);
    }
    shape = shape.clone();
    layout = layout == null ? null : List.copyOf(layout);
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  /** Number of elements. */
  public int size() {
    long n = 1;
    for (int extent : shape) {
      n *= extent;
    }
    return Math.toIntExact(n);
  }

  @Override
  public String toString() {
    return "VariableSpec(" + name + ", " + Arrays.toString(shape) + ", " + initializer + (regularized ? ", L2" : "")
        + (featureIndexed ? ", feature-indexed" : "") + (layout == null ? "" : ", layout " + layout) + ")";
  }
}
