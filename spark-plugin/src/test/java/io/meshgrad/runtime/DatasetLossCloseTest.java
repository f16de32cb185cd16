package io.meshgrad.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meshgrad.SparkTestSession;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.tensor.Tensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * {@link DatasetLoss#close} on a loss over the shared local Spark session: every resource given to
 * {@link DatasetLoss#closeWith} is closed once, last registered first, even when some fail; the
 * first failure is thrown with the later ones suppressed; the loss still evaluates after a close.
 */
class DatasetLossCloseTest {
  private final JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());

  /** Each partition's loss sum is the first weight; its gradient sum is 1. */
  private static final class FirstWeightLoss extends DatasetLoss {
    private final transient JavaSparkContext jsc;

    FirstWeightLoss(JavaSparkContext jsc) {
      super(0);
      this.jsc = jsc;
    }

    @Override
    public JavaRDD<PartialSums> partialSums(ShippedWeights weights, long step) {
      return jsc.parallelize(List.of(0, 1), 2)
          .map(source -> new PartialSums(source, weights.value()[0][0], 1, 1,
              new RowSums[] {RowSums.dense(new double[] {1}, 1)}));
    }

    @Override
    public int numPartitions() {
      return 2;
    }

    @Override
    public boolean isRegularized(int position) {
      return false;
    }

    @Override
    public JavaSparkContext sparkContext() {
      return jsc;
    }
  }

  /** Records its closing in {@code log}, and throws {@code failure} (if any) each time. */
  private record Resource(String name, List<String> log, Exception failure) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      log.add(name);
      if (failure != null) {
        throw failure;
      }
    }
  }

  @Test
  void closesEveryResourceOnceLastRegisteredFirst() {
    List<String> log = new ArrayList<>();
    try (FirstWeightLoss loss = new FirstWeightLoss(jsc)) {
      loss.closeWith(new Resource("a", log, null));
      loss.closeWith(new Resource("b", log, null));
      loss.close();
      assertEquals(List.of("b", "a"), log);
      loss.close();
      assertEquals(List.of("b", "a"), log, "a second close closes nothing again");
      loss.closeWith(new Resource("c", log, null));
    }
    assertEquals(List.of("b", "a", "c"), log, "what was registered after a close is closed by the next");
  }

  @Test
  void aFailingResourceDoesNotLeakTheOthers() {
    List<String> log = new ArrayList<>();
    IllegalStateException first = new IllegalStateException("c failed");
    IOException second = new IOException("a failed");
    FirstWeightLoss loss = new FirstWeightLoss(jsc);
    loss.closeWith(new Resource("a", log, second));
    loss.closeWith(new Resource("b", log, null));
    loss.closeWith(new Resource("c", log, first));
    loss.closeWith(new Resource("d", log, null));
    RuntimeException thrown = assertThrows(RuntimeException.class, loss::close);
    assertSame(first, thrown, "the first failure is thrown as it is");
    assertArrayEquals(new Throwable[] {second}, thrown.getSuppressed());
    assertEquals(List.of("d", "c", "b", "a"), log);
    loss.close();
    assertEquals(List.of("d", "c", "b", "a"), log, "the failed ones are not closed again either");
  }

  @Test
  void aCheckedFirstFailureIsThrownInsideAnIllegalStateException() {
    List<String> log = new ArrayList<>();
    IOException checked = new IOException("b failed");
    FirstWeightLoss loss = new FirstWeightLoss(jsc);
    loss.closeWith(new Resource("a", log, null));
    loss.closeWith(new Resource("b", log, checked));
    IllegalStateException thrown = assertThrows(IllegalStateException.class, loss::close);
    assertSame(checked, thrown.getCause());
    assertEquals(List.of("b", "a"), log);
  }

  @Test
  void theLossEvaluatesAfterAFailedClose() {
    List<String> log = new ArrayList<>();
    List<Variable> vars = List.of(new Variable("w", Tensor.of(new double[] {3}, 1)));
    FirstWeightLoss loss = new FirstWeightLoss(jsc);
    double before = loss.evaluate(vars).loss();
    assertEquals(3.0, before, "each partition adds the shipped first weight with weight 1");
    loss.closeWith(new Resource("a", log, new IllegalStateException("a failed")));
    assertInstanceOf(IllegalStateException.class, assertThrows(RuntimeException.class, loss::close));
    assertEquals(before, loss.evaluate(vars).loss());
    loss.close();
    assertEquals(List.of("a"), log);
  }
}
