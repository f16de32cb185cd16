package io.meshgrad.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.SparkTestSession;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/** Weights shipped as a base and deltas reach the tasks exactly, whatever each executor has cached. */
class WeightShipperTest {
  private final JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());

  /** What every one of 4 tasks reads from the shipped weights (bits of each value), checked equal across tasks. */
  private double[][] readOnExecutors(ShippedWeights w) {
    JavaRDD<double[][]> seen = jsc.parallelize(List.of(0, 1, 2, 3), 4).map(i -> {
      double[][] v = w.value();
      double[][] copy = new double[v.length][];
      for (int k = 0; k < v.length; k++) {
        copy[k] = v[k].clone();
      }
      return copy;
    });
    List<double[][]> all = seen.collect();
    for (double[][] other : all) {
      for (int k = 0; k < other.length; k++) {
        assertArrayEquals(all.get(0)[k], other[k]);
      }
    }
    return all.get(0);
  }

  private static void assertShipped(List<Tensor> expected, double[][] actual, String when) {
    assertEquals(expected.size(), actual.length, when);
    for (int v = 0; v < actual.length; v++) {
      double[] e = expected.get(v).toDoubleArray();
      for (int i = 0; i < e.length; i++) {
        assertEquals(Double.doubleToRawLongBits(e[i]), Double.doubleToRawLongBits(actual[v][i]),
            when + ": variable " + v + " element " + i + " expected " + e[i] + ", got " + actual[v][i]);
      }
    }
  }

  @Test
  void retainedBytesCountTheCopyTheBaseTheDeltasAndTheRetiredUntilReleased() {
    Tensor coef = Tensor.zeros(DType.FLOAT32, 100_000);
    try (WeightShipper shipper = new WeightShipper(jsc)) {
      assertEquals(0, shipper.retainedBytes(), "nothing shipped");
      shipper.ship(List.of(coef));
      long base = 4L * 100_000;
      assertEquals(2 * base, shipper.retainedBytes(), "the driver's copy of the shipped values and the base");
      Tensor changed = coef.copy();
      changed.floats()[7] = 1f;
      changed.floats()[99] = 2f;
      shipper.ship(List.of(changed));
      assertEquals(2 * base + 2 * 12, shipper.retainedBytes(), "plus a delta of two changes, 12 bytes each");
      Tensor all = Tensor.filled(DType.FLOAT32, 3.0, 100_000);
      shipper.ship(List.of(all));
      assertEquals(2 * base + base, shipper.retainedBytes(), "a new base: the old broadcast base is retired, kept");
      shipper.releaseRetired();
      assertEquals(2 * base, shipper.retainedBytes(), "released at the lineage cut");
    }
  }

  @Test
  void fewChangesShipAsDeltasAndEveryVersionReadsExactly() {
    Random rnd = new Random(5);
    Tensor coef = Tensor.zeros(DType.FLOAT32, 100_000);
    Tensor intercept = Tensor.zeros(DType.FLOAT64, 2);
    try (WeightShipper shipper = new WeightShipper(jsc)) {
      ShippedWeights first = shipper.ship(List.of(coef, intercept));
      assertEquals(4L * 100_000 + 8 * 2, shipper.lastShippedBytes(), "the first version is a full base");
      assertShipped(List.of(coef, intercept), readOnExecutors(first), "base");
      for (int step = 1; step <= 40; step++) {
        for (int k = 0; k < 20; k++) {
          coef.floats()[rnd.nextInt(100_000)] = (float) rnd.nextGaussian();
        }
        coef.floats()[step] = -0.0f;
        intercept.doubles()[step % 2] = rnd.nextGaussian();
        // now and then a delta too large to travel inline: it is broadcast (or, when the deltas
        // would outweigh the base, a new base is)
        int many = step % 10 == 5 ? 30_000 : 0;
        for (int k = 0; k < many; k++) {
          coef.floats()[k] += 1;
        }
        ShippedWeights w = shipper.ship(List.of(coef, intercept));
        if (shipper.lastShippedBytes() < 4L * 100_000) {
          assertTrue(shipper.lastShippedBytes() <= 12L * (22 + many), "a delta: " + shipper.lastShippedBytes() + " bytes");
        }
        if (step == 7) {
          ShippedWeights.forgetCachedCopies(); // as if the executor were new, or the GC took its copy
        }
        assertShipped(List.of(coef, intercept), readOnExecutors(w), "step " + step);
        shipper.releaseRetired();
      }
    }
  }

  @Test
  void unchangedValuesReuseTheVersionAndDenseChangesShipANewBase() {
    Tensor coef = Tensor.filled(DType.FLOAT64, 1.0, 1000);
    try (WeightShipper shipper = new WeightShipper(jsc)) {
      ShippedWeights first = shipper.ship(List.of(coef));
      assertSame(first, shipper.ship(List.of(coef)));
      assertEquals(0, shipper.lastShippedBytes());
      for (int i = 0; i < 1000; i++) {
        coef.doubles()[i] += i;
      }
      ShippedWeights dense = shipper.ship(List.of(coef));
      assertEquals(8 * 1000, shipper.lastShippedBytes(), "every coordinate changed: a base, not a delta");
      assertShipped(List.of(coef), readOnExecutors(dense), "new base");
      shipper.releaseRetired();
    }
  }

  @Test
  void aLongRunOfDeltasStartsANewBaseAndReleasedBroadcastsAreGone() {
    Tensor coef = Tensor.zeros(DType.FLOAT32, 100_000); // larger than what travels inline: a broadcast base
    try (WeightShipper shipper = new WeightShipper(jsc)) {
      ShippedWeights base = shipper.ship(List.of(coef));
      long[] bytes = new long[WeightShipper.MAX_DELTAS + 1];
      ShippedWeights last = base;
      for (int step = 0; step < bytes.length; step++) {
        coef.floats()[step] = step + 1;
        last = shipper.ship(List.of(coef));
        bytes[step] = shipper.lastShippedBytes();
      }
      assertEquals(12, bytes[0]);
      assertEquals(4L * 100_000, bytes[WeightShipper.MAX_DELTAS], "after " + WeightShipper.MAX_DELTAS + " deltas: "
          + Arrays.toString(bytes));
      assertShipped(List.of(coef), readOnExecutors(last), "after the new base");
      shipper.releaseRetired();
      ShippedWeights.forgetCachedCopies();
      SparkException e = assertThrows(SparkException.class, () -> readOnExecutors(base));
      assertTrue(String.valueOf(e.getMessage()).contains("destroyed") || e.getCause() != null, e.toString());
    }
  }
}
