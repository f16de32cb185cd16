package io.meshgrad.examples.bench;

import dev.ludovic.netlib.blas.BLAS;
import io.meshgrad.loss.Instance;
import io.meshgrad.loss.InstanceBlock;
import io.meshgrad.model.Activation;
import io.meshgrad.model.MultilayerPerceptron;
import io.meshgrad.model.VariableSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.spark.ml.linalg.Vectors;
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
 * JMH benchmarks of the {@code mlp-vs-mllib} suite, single-threaded as one Spark task runs them:
 * one {@link MultilayerPerceptron#accumulate} (forward, softmax cross-entropy, backward) of a
 * {@code [in, hidden, out]} relu network over a dense block of {@code rows} rows, against the five
 * bare {@code dgemm} calls of the same shapes that it contains (the forward products of both
 * layers, the two kernel gradients and the hidden delta), on the same BLAS. {@link #flops} counts
 * both alike.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MlpBenchmarks {

  /** Floating-point operations of the five products: {@code 2 rows (2 in h + 3 h out)}. */
  static long flops(int rows, int in, int hidden, int out) {
    return 2L * rows * (2L * in * hidden + 3L * hidden * out);
  }

  /** A network, its weights and gradients, and one dense block. */
  @State(Scope.Benchmark)
  public static class Network {
    @Param("128")
    public int rows;
    @Param("784")
    public int in;
    @Param("128")
    public int hidden;
    @Param("10")
    public int out;

    MultilayerPerceptron mlp;
    InstanceBlock block;
    double[][] weights;
    double[][] gradients;
    double[] x;
    double[] h;
    double[] logits;
    double[] dh;

    @Setup(Level.Trial)
    public void setUp() {
      SplittableRandom r = new SplittableRandom(1);
      mlp = new MultilayerPerceptron(new int[] {in, hidden, out}, Activation.RELU, rows, null, java.util.Map.of());
      List<Instance> instances = new ArrayList<>();
      x = new double[rows * in];
      for (int i = 0; i < rows; i++) {
        double[] v = new double[in];
        for (int j = 0; j < in; j++) {
          v[j] = r.nextDouble();
        }
        System.arraycopy(v, 0, x, i * in, in);
        instances.add(new Instance(r.nextInt(out), 1.0, Vectors.dense(v)));
      }
      block = InstanceBlock.dense(instances, in);
      List<VariableSpec> specs = mlp.variables();
      weights = new double[specs.size()][];
      gradients = new double[specs.size()][];
      for (int v = 0; v < weights.length; v++) {
        weights[v] = specs.get(v).initializer().values(specs.get(v).shape(), 7 + v);
        gradients[v] = new double[weights[v].length];
      }
      h = new double[rows * hidden];
      logits = new double[rows * out];
      dh = new double[rows * hidden];
    }
  }

  @Benchmark
  public double mlpAccumulate(Network n) {
    return n.mlp.accumulate(n.block, n.weights, n.gradients);
  }

  @Benchmark
  public double gemmSameShapes(Network n) {
    BLAS blas = BLAS.getInstance();
    double[][] w = n.weights;
    double[][] g = n.gradients;
    blas.dgemm("N", "N", n.hidden, n.rows, n.in, 1.0, w[0], n.hidden, n.x, n.in, 0.0, n.h, n.hidden);
    blas.dgemm("N", "N", n.out, n.rows, n.hidden, 1.0, w[2], n.out, n.h, n.hidden, 0.0, n.logits, n.out);
    blas.dgemm("N", "T", n.out, n.hidden, n.rows, 1.0, n.logits, n.out, n.h, n.hidden, 1.0, g[2], n.out);
    blas.dgemm("T", "N", n.hidden, n.rows, n.out, 1.0, w[2], n.out, n.logits, n.out, 0.0, n.dh, n.hidden);
    blas.dgemm("N", "T", n.hidden, n.in, n.rows, 1.0, n.dh, n.hidden, n.x, n.in, 1.0, g[0], n.hidden);
    return n.dh[0];
  }
}
