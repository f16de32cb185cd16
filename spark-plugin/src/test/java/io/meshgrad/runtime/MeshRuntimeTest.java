package io.meshgrad.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.SparkTestSession;
import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.GradientAndVariable;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class MeshRuntimeTest {
  private final SparkSession spark = SparkTestSession.get();
  private final Mesh mesh = Mesh.parse("batch=2,model=2");

  private static Tensor random(Random rnd, DType dt, int... shape) {
    double[] v = new double[(int) Tensor.numElements(shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = rnd.nextGaussian();
    }
    return Tensor.fromDoubles(dt, v, shape);
  }

  /** Steps of random dense and sparse gradients for a [7, 3] kernel and a [5] bias. */
  private static List<List<Gradient>> steps(Random rnd, DType dt, int n) {
    List<List<Gradient>> steps = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Gradient kernel = i % 2 == 0 ? random(rnd, dt, 7, 3)
          : new IndexedSlices(new int[] {6, 0, 6, 3}, random(rnd, dt, 4, 3), 7, 3);
      Gradient bias = i == 2 ? null : random(rnd, dt, 5);
      steps.add(java.util.Arrays.asList(kernel, bias));
    }
    return steps;
  }

  private static List<Tensor> run(Supplier<Adagrad> opt, List<Variable> vars, List<List<Gradient>> steps) {
    Adagrad o = opt.get();
    for (List<Gradient> step : steps) {
      List<GradientAndVariable> pairs = new ArrayList<>();
      for (int i = 0; i < vars.size(); i++) {
        pairs.add(new GradientAndVariable(step.get(i), vars.get(i)));
      }
      o.applyGradients(pairs);
    }
    o.finalizeVariableValues(vars);
    List<Tensor> out = new ArrayList<>();
    for (Variable v : vars) {
      out.add(v.read());
      out.add(o.slot(v, "accumulator").read());
      if (o.useEma()) {
        out.add(o.slot(v, "average").read());
      }
    }
    return out;
  }

  @Test
  void distributedApplyGradientsEqualsInProcessForDenseSparseClippingAndEma() {
    List<Supplier<Adagrad>> configs = List.of(
        () -> Adagrad.builder().learningRate(0.1).build(),
        () -> Adagrad.builder().learningRate(0.1).clipvalue(0.3).build(),
        () -> Adagrad.builder().learningRate(0.1).useEma(true).emaMomentum(0.8).emaOverwriteFrequency(3).build(),
        () -> Adagrad.builder().learningRate(0.1).weightDecay(0.05).build());
    for (DType dt : DType.values()) {
      for (Supplier<Adagrad> config : configs) {
        Random rnd = new Random(42);
        Tensor k0 = random(rnd, dt, 7, 3);
        Tensor b0 = random(rnd, dt, 5);
        List<List<Gradient>> steps = steps(rnd, dt, 5);
        List<Tensor> local = run(config, List.of(new Variable("k", k0), new Variable("b", b0)), steps);
        try (MeshRuntime rt = MeshRuntime.create(spark, mesh)) {
          DVariable k = rt.variable("k", k0, Layout.of(mesh, "model", "batch"));
          DVariable b = rt.variable("b", b0, Layout.of(mesh, "model"));
          assertEquals(4, k.numShards());
          List<Tensor> sharded = run(config, List.of(k, b), steps);
          assertEquals(local, sharded, "config " + config.get().getConfig() + " " + dt);
        }
      }
    }
  }

  @Test
  void normClippingMatchesInProcessWithinRounding() {
    Random rnd = new Random(3);
    Tensor k0 = random(rnd, DType.FLOAT64, 7, 3);
    Tensor b0 = random(rnd, DType.FLOAT64, 5);
    List<List<Gradient>> steps = steps(rnd, DType.FLOAT64, 4);
    for (Supplier<Adagrad> config : List.<Supplier<Adagrad>>of(
        () -> Adagrad.builder().learningRate(0.1).clipnorm(0.5).build(),
        () -> Adagrad.builder().learningRate(0.1).globalClipnorm(0.5).build())) {
      List<Tensor> local = run(config, List.of(new Variable("k", k0), new Variable("b", b0)), steps);
      try (MeshRuntime rt = MeshRuntime.create(spark, mesh)) {
        List<Tensor> sharded = run(config, List.of(rt.variable("k", k0), rt.variable("b", b0)), steps);
        for (int t = 0; t < local.size(); t++) {
          double[] a = local.get(t).toDoubleArray();
          double[] b = sharded.get(t).toDoubleArray();
          for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 1e-12 * Math.max(1, Math.abs(a[i])));
          }
        }
      }
    }
  }

  @Test
  void aStepIsOneJobAndTwoWithNormClipping() throws java.util.concurrent.TimeoutException {
    AtomicInteger jobs = new AtomicInteger();
    SparkListener counter = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart jobStart) {
        jobs.incrementAndGet();
      }
    };
    spark.sparkContext().addSparkListener(counter);
    try {
      for (Adagrad opt : List.of(new Adagrad(), Adagrad.builder().globalClipnorm(1.0).build())) {
        try (MeshRuntime rt = MeshRuntime.create(spark, mesh).setCheckpointInterval(-1)) {
          DVariable k = rt.variable("k", Tensor.zeros(DType.FLOAT32, 6, 2));
          opt.build(List.of(k));
          Tensor g = Tensor.filled(DType.FLOAT32, 0.5, 6, 2);
          opt.applyGradients(List.of(new GradientAndVariable(g, k)));
          spark.sparkContext().listenerBus().waitUntilEmpty();
          int before = jobs.get();
          opt.applyGradients(List.of(new GradientAndVariable(g, k)));
          spark.sparkContext().listenerBus().waitUntilEmpty();
          assertEquals(opt.clipping().needsNorms() ? 2 : 1, jobs.get() - before, opt.getConfig().toString());
        }
      }
    } finally {
      spark.sparkContext().removeSparkListener(counter);
    }
  }

  @Test
  void closeLeavesNoCachedRddBehind() {
    int before = spark.sparkContext().getPersistentRDDs().size();
    try (MeshRuntime rt = MeshRuntime.create(spark, mesh).setCheckpointInterval(3)) {
      DVariable k = rt.variable("k", Tensor.zeros(DType.FLOAT32, 6, 2));
      Adagrad opt = Adagrad.builder().useEma(true).build();
      for (int i = 0; i < 7; i++) {
        opt.applyGradients(List.of(new GradientAndVariable(Tensor.filled(DType.FLOAT32, 0.5, 6, 2), k)));
      }
      assertEquals(before + 1, spark.sparkContext().getPersistentRDDs().size(), "only the current state is cached");
    }
    assertEquals(before, spark.sparkContext().getPersistentRDDs().size());
  }

  @Test
  void readAssignAndSlotsGoThroughTheShards() {
    try (MeshRuntime rt = MeshRuntime.create(spark, mesh)) {
      Tensor init = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7}, 7);
      DVariable v = rt.variable("v", init);
      assertEquals(init, v.read());
      assertEquals(2, rt.stateRdd().getNumPartitions(), "model=2 gives 2 shards");
      Adagrad opt = Adagrad.builder().initialAccumulatorValue(0.5).build();
      opt.build(List.of(v));
      DVariable acc = (DVariable) opt.slot(v, "accumulator");
      assertTrue(acc.isSlot());
      assertEquals(Tensor.filled(DType.FLOAT32, 0.5, 7), acc.read());
      acc.assign(Tensor.filled(DType.FLOAT32, 2.0, 7));
      assertEquals(Tensor.filled(DType.FLOAT32, 2.0, 7), acc.read());
      v.assign(Tensor.zeros(DType.FLOAT32, 7));
      assertEquals(Tensor.zeros(DType.FLOAT32, 7), v.read());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> v.assign(Tensor.zeros(DType.FLOAT32, 8)));
      assertTrue(e.getMessage().contains("float32[7]"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> rt.variable("v", init));
      assertThrows(IllegalArgumentException.class,
          () -> rt.variable("w", init, Layout.of(Mesh.parse("batch=2,model=3"), "model")));
      Variable local = new Variable("local", init);
      assertThrows(IllegalArgumentException.class, () -> opt.applyGradients(List.of(
          new GradientAndVariable(init, v), new GradientAndVariable(init, local))));
    }
  }

  @Test
  void closedRuntimeRefusesWork() {
    MeshRuntime rt = MeshRuntime.create(spark, mesh);
    DVariable v = rt.variable("v", Tensor.zeros(DType.FLOAT32, 4));
    rt.close();
    assertThrows(IllegalStateException.class, v::read);
  }
}
