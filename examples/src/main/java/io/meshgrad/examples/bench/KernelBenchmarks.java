package io.meshgrad.examples.bench;

import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Slots;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH benchmarks of the {@code kernel} suite, single-threaded as one Spark task runs a shard's
 * update: meshgrad's dense Adagrad update through {@link Optimizer#applyToVariable} (the same call
 * a shard makes on an executor, ending in {@code Adagrad.updateStep}) on a variable of {@code
 * size} elements, the streaming triad {@code a[i] = b[i] + s*c[i]} over arrays of the same size
 * and type (the memory-bandwidth limit), an in-place {@code b[i] += s*c[i]} (the same limit for an
 * access pattern like the update's: read and write back, no write-allocate), and the sparse update of {@code rows} random distinct
 * rows ({@link IndexedSlices}) against a bare loop doing the same arithmetic on the same rows.
 * Throughput in operations per second; {@link KernelSuite} turns that into bytes and rows.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class KernelBenchmarks {
  static final double LEARNING_RATE = 0.01;

  static Optimizer.VariableStep step() {
    return new Optimizer.VariableStep((float) LEARNING_RATE, 0, false);
  }

  /** Gradient, variable and accumulator of {@code size} float32 elements. */
  @State(Scope.Benchmark)
  public static class Dense32 {
    @Param("16777216")
    public int size;

    Tensor gradient;
    Tensor variable;
    Tensor accumulator;
    Slots slots;
    Adagrad optimizer;
    Optimizer.VariableStep step;

    @Setup(Level.Trial)
    public void setUp() {
      SplittableRandom r = new SplittableRandom(1);
      float[] g = new float[size];
      for (int i = 0; i < size; i++) {
        g[i] = (float) (r.nextDouble() * 2 - 1);
      }
      gradient = Tensor.of(g, size);
      variable = Tensor.zeros(io.meshgrad.tensor.DType.FLOAT32, size);
      accumulator = Tensor.filled(io.meshgrad.tensor.DType.FLOAT32, 0.1, size);
      Tensor acc = accumulator;
      slots = name -> acc;
      optimizer = Adagrad.builder().learningRate(LEARNING_RATE).build();
      step = step();
    }
  }

  /** The same in float64. */
  @State(Scope.Benchmark)
  public static class Dense64 {
    @Param("16777216")
    public int size;

    Tensor gradient;
    Tensor variable;
    Tensor accumulator;
    Slots slots;
    Adagrad optimizer;
    Optimizer.VariableStep step;

    @Setup(Level.Trial)
    public void setUp() {
      SplittableRandom r = new SplittableRandom(1);
      double[] g = new double[size];
      for (int i = 0; i < size; i++) {
        g[i] = r.nextDouble() * 2 - 1;
      }
      gradient = Tensor.of(g, size);
      variable = Tensor.zeros(io.meshgrad.tensor.DType.FLOAT64, size);
      accumulator = Tensor.filled(io.meshgrad.tensor.DType.FLOAT64, 0.1, size);
      Tensor acc = accumulator;
      slots = name -> acc;
      optimizer = Adagrad.builder().learningRate(LEARNING_RATE).build();
      step = step();
    }
  }

  /** Triad arrays of {@code size} floats. */
  @State(Scope.Benchmark)
  public static class Triad32 {
    @Param("16777216")
    public int size;

    float[] a;
    float[] b;
    float[] c;
    float s = 3f;

    @Setup(Level.Trial)
    public void setUp() {
      a = new float[size];
      b = new float[size];
      c = new float[size];
      java.util.Arrays.fill(b, 1f);
      java.util.Arrays.fill(c, 2f);
    }
  }

  /** Triad arrays of {@code size} doubles. */
  @State(Scope.Benchmark)
  public static class Triad64 {
    @Param("16777216")
    public int size;

    double[] a;
    double[] b;
    double[] c;
    double s = 3;

    @Setup(Level.Trial)
    public void setUp() {
      a = new double[size];
      b = new double[size];
      c = new double[size];
      java.util.Arrays.fill(b, 1);
      java.util.Arrays.fill(c, 2);
    }
  }

  /** A float32 variable of {@code size} rows and a sparse gradient of {@code rows} random distinct rows. */
  @State(Scope.Benchmark)
  public static class Sparse32 {
    @Param("16777216")
    public int size;

    @Param("65536")
    public int rows;

    IndexedSlices gradient;
    int[] indices;
    float[] values;
    Tensor variable;
    Tensor accumulator;
    Slots slots;
    Adagrad optimizer;
    Optimizer.VariableStep step;

    @Setup(Level.Trial)
    public void setUp() {
      SplittableRandom r = new SplittableRandom(2);
      indices = r.ints(0, size).distinct().limit(rows).toArray();
      values = new float[rows];
      for (int i = 0; i < rows; i++) {
        values[i] = (float) (r.nextDouble() * 2 - 1);
      }
      gradient = new IndexedSlices(indices, Tensor.of(values, rows), size);
      variable = Tensor.zeros(io.meshgrad.tensor.DType.FLOAT32, size);
      accumulator = Tensor.filled(io.meshgrad.tensor.DType.FLOAT32, 0.1, size);
      Tensor acc = accumulator;
      slots = name -> acc;
      optimizer = Adagrad.builder().learningRate(LEARNING_RATE).build();
      step = step();
    }
  }

  @Benchmark
  public void adagradDenseFloat32(Dense32 s) {
    s.optimizer.applyToVariable(s.step, s.gradient, s.variable, s.slots);
  }

  @Benchmark
  public void adagradDenseFloat64(Dense64 s) {
    s.optimizer.applyToVariable(s.step, s.gradient, s.variable, s.slots);
  }

  @Benchmark
  public void triadFloat32(Triad32 t) {
    float[] a = t.a;
    float[] b = t.b;
    float[] c = t.c;
    float s = t.s;
    for (int i = 0; i < a.length; i++) {
      a[i] = b[i] + s * c[i];
    }
  }

  @Benchmark
  public void triadFloat64(Triad64 t) {
    double[] a = t.a;
    double[] b = t.b;
    double[] c = t.c;
    double s = t.s;
    for (int i = 0; i < a.length; i++) {
      a[i] = b[i] + s * c[i];
    }
  }

  /** In-place {@code b[i] += s*c[i]} on the triad's arrays: the update's own access pattern, no write-allocate. */
  @Benchmark
  public void axpyInPlaceFloat32(Triad32 t) {
    float[] b = t.b;
    float[] c = t.c;
    float s = t.s * 1e-9f;
    for (int i = 0; i < b.length; i++) {
      b[i] = b[i] + s * c[i];
    }
  }

  @Benchmark
  public void axpyInPlaceFloat64(Triad64 t) {
    double[] b = t.b;
    double[] c = t.c;
    double s = t.s * 1e-9;
    for (int i = 0; i < b.length; i++) {
      b[i] = b[i] + s * c[i];
    }
  }

  @Benchmark
  public void adagradSparseFloat32(Sparse32 s) {
    s.optimizer.applyToVariable(s.step, s.gradient, s.variable, s.slots);
  }

  /** Adagrad's sparse arithmetic on the same rows, without the optimizer around it. */
  @Benchmark
  public void bareSparseLoopFloat32(Sparse32 s) {
    int[] idx = s.indices;
    float[] g = s.values;
    float[] v = s.variable.floats();
    float[] acc = s.accumulator.floats();
    float negLr = (float) -LEARNING_RATE;
    float eps = 1e-7f;
    for (int r = 0; r < idx.length; r++) {
      int i = idx[r];
      float x = g[r];
      acc[i] = acc[i] + x * x;
      v[i] = v[i] + (negLr * x) / (float) Math.sqrt(acc[i] + eps);
    }
  }
}
