package io.meshgrad.optimizer;

import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * A named, mutable tensor: a model weight or an optimizer slot. This class keeps the value in
 * this process; a subclass may keep it elsewhere (meshgrad's {@code DVariable} keeps its shards
 * in Spark partitions) and then names the {@link VariableHome} that updates it. The optimizer
 * recognises variables by identity (Keras' {@code _unique_id}), never by name or value.
 */
public class Variable {
  private final String name;
  private final DType dtype;
  private final int[] shape;
  private final Tensor value;

  /**
   * A variable held in this process.
   *
   * @param name the variable's name, e.g. {@code dense/kernel}; slots derive theirs from it
   * @param initialValue copied; fixes the variable's dtype and shape
   */
  public Variable(String name, Tensor initialValue) {
    this(name, Objects.requireNonNull(initialValue, "initialValue").dtype(), initialValue.shape(), initialValue.copy());
  }

  /** For subclasses whose value lives elsewhere ({@link #read} and {@link #assign} overridden). */
  protected Variable(String name, DType dtype, int[] shape) {
    this(name, dtype, shape, null);
  }

  private Variable(String name, DType dtype, int[] shape, Tensor value) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("variable name must be a non-empty string, got '" + name + "'");
    }
    this.name = name;
    this.dtype = Objects.requireNonNull(dtype, "dtype");
    this.shape = shape.clone();
    this.value = value;
  }

  public final String name() {
    return name;
  }

  public final DType dtype() {
    return dtype;
  }

  public final int[] shape() {
    return shape.clone();
  }

  /** A copy of the current value. */
  public Tensor read() {
    return value.copy();
  }

  /**
   * The current value without a copy, for reading at once: never modify it, and do not keep it (it
   * changes when the variable is updated). A variable held elsewhere returns a copy, as {@link
   * #read()}.
   */
  public Tensor value() {
    return value != null ? value : read();
  }

  /** Sets the value ({@code variable.assign}); dtype and shape must match. */
  public void assign(Tensor newValue) {
    value.copyFrom(newValue);
  }

  /**
   * Where the variable lives when not in this process: the home creates its slots and runs its
   * part of each step. {@code null} for a variable held in this process.
   */
  public VariableHome home() {
    return null;
  }

  /** The live storage of a variable held in this process, updated in place by the optimizer. */
  final Tensor storage() {
    if (value == null) {
      throw new IllegalStateException("variable " + name + " is not held in this process");
    }
    return value;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "(" + name + ", " + dtype + Arrays.toString(shape) + ")";
  }
}
