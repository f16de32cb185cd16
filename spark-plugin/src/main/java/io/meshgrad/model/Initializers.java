package io.meshgrad.model;

import java.util.SplittableRandom;

/** The initializers meshgrad's models use. */
public final class Initializers {
  private Initializers() {}

  /** All zeros (Keras' {@code zeros}): linear weights, biases. */
  public static Initializer zeros() {
    return new Zeros();
  }

  /**
   * Keras' {@code glorot_uniform}: uniform on {@code [-limit, limit]}, {@code limit = sqrt(6 /
   * (fan_in + fan_out))}, with fans of a 2-D kernel {@code [in, out]}.
   */
  public static Initializer glorotUniform() {
    return new GlorotUniform();
  }

  /** Normal with mean 0 and standard deviation {@code std} (MLlib FM's {@code initStd}). */
  public static Initializer normal(double std) {
    if (!(Double.isFinite(std) && std >= 0)) {
      throw new IllegalArgumentException("std must be a finite number >= 0, got " + std);
    }
    return new Normal(std);
  }

  /**
   * Exactly {@code values} (a user's initial weights, e.g. MLlib's {@code initialWeights}), row-major
   * over the variable's shape.
   */
  public static Initializer given(double[] values) {
    if (values == null) {
      throw new IllegalArgumentException("values must be an array, got null");
    }
    return new Given(values.clone());
  }

  private static int size(int[] shape) {
    long n = 1;
    for (int e : shape) {
      n *= e;
    }
    return Math.toIntExact(n);
  }

  private record Zeros() implements Initializer {
    @Override
    public double[] values(int[] shape, long seed) {
      return new double[size(shape)];
    }

    @Override
    public String toString() {
      return "zeros";
    }
  }

  private record GlorotUniform() implements Initializer {
    @Override
    public double[] values(int[] shape, long seed) {
      int fanIn = shape.length == 0 ? 1 : shape[0];
      int fanOut = shape.length < 2 ? shape.length == 0 ? 1 : shape[0] : size(shape) / shape[0];
      double limit = Math.sqrt(6.0 / (fanIn + fanOut));
      SplittableRandom random = new SplittableRandom(seed);
      double[] v = new double[size(shape)];
      for (int i = 0; i < v.length; i++) {
        v[i] = (2 * random.nextDouble() - 1) * limit;
      }
      return v;
    }

    @Override
    public String toString() {
      return "glorot_uniform";
    }
  }

  private record Normal(double std) implements Initializer {
    @Override
    public double[] values(int[] shape, long seed) {
      java.util.Random random = new java.util.Random(seed);
      double[] v = new double[size(shape)];
      for (int i = 0; i < v.length; i++) {
        v[i] = random.nextGaussian() * std;
      }
      return v;
    }

    @Override
    public String toString() {
      return "normal(std=" + std + ")";
    }
  }

  private record Given(double[] values) implements Initializer {
    @Override
    public double[] values(int[] shape, long seed) {
      if (size(shape) != values.length) {
        throw new IllegalArgumentException("the given initial values are " + values.length + " numbers, the shape "
            + java.util.Arrays.toString(shape) + " holds " + size(shape));
      }
      return values.clone();
    }

    @Override
    public String toString() {
      return "given(" + values.length + " values)";
    }
  }
}
