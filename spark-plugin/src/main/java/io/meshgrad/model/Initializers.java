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

  /**
   * The golden gamma by which {@link SplittableRandom}{@code (seed)} advances its state per draw:
   * {@code new SplittableRandom(seed + k * GOLDEN_GAMMA)} continues the stream of {@code new
   * SplittableRandom(seed)} after {@code k} draws. ({@code InitializersTest} pins this.)
   */
  static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private static int size(int[] shape) {
    long n = 1;
    for (int e : shape) {
      n *= e;
    }
    return Math.toIntExact(n);
  }

  private static int numRows(int[] shape) {
    return shape.length == 0 ? 1 : shape[0];
  }

  private static int rowLength(int[] shape) {
    int n = 1;
    for (int i = 1; i < shape.length; i++) {
      n *= shape[i];
    }
    return n;
  }

  /** The number of elements in rows {@code [fromRow, toRow)}, after checking the range. */
  private static int elementsIn(int[] shape, int fromRow, int toRow) {
    if (fromRow < 0 || fromRow > toRow || toRow > numRows(shape)) {
      throw new IllegalArgumentException("rows must satisfy 0 <= fromRow <= toRow <= " + numRows(shape) + " (rows of "
          + java.util.Arrays.toString(shape) + "), got fromRow " + fromRow + ", toRow " + toRow);
    }
    return Math.toIntExact((long) (toRow - fromRow) * rowLength(shape));
  }

  private record Zeros() implements Initializer {
    @Override
    public double[] rows(int[] shape, long seed, int fromRow, int toRow) {
      return new double[elementsIn(shape, fromRow, toRow)];
    }

    @Override
    public boolean allZeros() {
      return true;
    }

    @Override
    public String toString() {
      return "zeros";
    }
  }

  /**
   * Element {@code i} (row-major) is draw {@code i} of {@code SplittableRandom(seed)}; a range of
   * rows starts the stream at its first element by advancing the seed, so it costs only its own
   * elements.
   */
  private record GlorotUniform() implements Initializer {
    @Override
    public double[] rows(int[] shape, long seed, int fromRow, int toRow) {
      int fanIn = shape.length == 0 ? 1 : shape[0];
      int fanOut = shape.length < 2 ? shape.length == 0 ? 1 : shape[0] : size(shape) / shape[0];
      double limit = Math.sqrt(6.0 / (fanIn + fanOut));
      double[] v = new double[elementsIn(shape, fromRow, toRow)];
      long first = (long) fromRow * rowLength(shape);
      SplittableRandom random = new SplittableRandom(seed + first * GOLDEN_GAMMA);
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

  /**
   * Row {@code r} is drawn from its own stream, {@code SplittableRandom(s_r)} with {@code s_r} draw
   * {@code r} of {@code SplittableRandom(seed)} (normal draws take a varying number of uniform
   * ones, so the one-stream position of a row is not known without drawing every row before it).
   */
  private record Normal(double std) implements Initializer {
    @Override
    public double[] rows(int[] shape, long seed, int fromRow, int toRow) {
      double[] v = new double[elementsIn(shape, fromRow, toRow)];
      int len = rowLength(shape);
      for (int r = fromRow; r < toRow; r++) {
        SplittableRandom random = new SplittableRandom(new SplittableRandom(seed + r * GOLDEN_GAMMA).nextLong());
        int at = (r - fromRow) * len;
        for (int j = 0; j < len; j++) {
          v[at + j] = random.nextGaussian() * std;
        }
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
    public double[] rows(int[] shape, long seed, int fromRow, int toRow) {
      if (size(shape) != values.length) {
        throw new IllegalArgumentException("the given initial values are " + values.length + " numbers, the shape "
            + java.util.Arrays.toString(shape) + " holds " + size(shape));
      }
      int n = elementsIn(shape, fromRow, toRow);
      int first = fromRow * rowLength(shape);
      return java.util.Arrays.copyOfRange(values, first, first + n);
    }

    @Override
    public String toString() {
      return "given(" + values.length + " values)";
    }
  }
}
