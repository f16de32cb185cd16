package io.meshgrad.model;

import java.util.Arrays;
import java.util.Locale;

/**
 * The element-wise activation layer of hidden units, Keras' names. The backward pass is written in
 * terms of the activation's output {@code a} (what the forward pass leaves in place), so no
 * pre-activation copy is kept: relu {@code a > 0}, sigmoid {@code a (1 - a)}, tanh {@code 1 - a^2}.
 */
public enum Activation {
  RELU {
    @Override
    void forward(double[] z, int length) {
      for (int i = 0; i < length; i++) {
        if (!(z[i] > 0)) {
          z[i] = 0.0;
        }
      }
    }

    @Override
    void backward(double[] a, double[] delta, int length) {
      for (int i = 0; i < length; i++) {
        if (!(a[i] > 0)) {
          delta[i] = 0.0;
        }
      }
    }
  },
  SIGMOID {
    @Override
    void forward(double[] z, int length) {
      for (int i = 0; i < length; i++) {
        z[i] = 1.0 / (1.0 + Math.exp(-z[i]));
      }
    }

    @Override
    void backward(double[] a, double[] delta, int length) {
      for (int i = 0; i < length; i++) {
        delta[i] *= a[i] * (1.0 - a[i]);
      }
    }
  },
  TANH {
    @Override
    void forward(double[] z, int length) {
      for (int i = 0; i < length; i++) {
        z[i] = Math.tanh(z[i]);
      }
    }

    @Override
    void backward(double[] a, double[] delta, int length) {
      for (int i = 0; i < length; i++) {
        delta[i] *= 1.0 - a[i] * a[i];
      }
    }
  };

  /** Replaces the first {@code length} pre-activations {@code z} by their activations, in place. */
  abstract void forward(double[] z, int length);

  /** Multiplies the first {@code length} output deltas by the derivative at the activations {@code a}. */
  abstract void backward(double[] a, double[] delta, int length);

  /** The name as params and configs spell it: relu, sigmoid, tanh. */
  public String paramValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The activation named {@code name} (case-insensitive).
   *
   * @throws IllegalArgumentException naming the allowed values and the received one
   */
  public static Activation parse(String name) {
    if (name != null) {
      for (Activation a : values()) {
        if (a.paramValue().equalsIgnoreCase(name.trim())) {
          return a;
        }
      }
    }
    throw new IllegalArgumentException("activation must be one of " + Arrays.stream(values())
        .map(Activation::paramValue).toList() + ", got " + (name == null ? "null" : "'" + name + "'"));
  }
}
