package io.meshgrad.optimizer;

import io.meshgrad.tensor.Gradient;
import java.util.Objects;

/**
 * One {@code (gradient, variable)} pair of {@code apply_gradients}. The gradient may be
 * {@code null}: the variable then gets no update in that call, as in Keras.
 */
public record GradientAndVariable(Gradient gradient, Variable variable) {
  public GradientAndVariable {
    Objects.requireNonNull(variable, "variable");
  }
}
