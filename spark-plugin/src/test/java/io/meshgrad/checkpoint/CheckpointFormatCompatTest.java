package io.meshgrad.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.GradientAndVariable;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint written by meshgrad's {@code meshgrad-checkpoint/1} writer as of 2026-12-08
 * (commit 9c1575c, {@code src/test/resources/checkpoints/format-1}: a float32 {@code w[3]} and a
 * float64 {@code v[4,2]}, Adagrad with EMA, 6 steps of {@link #steps}) is still read, and a fit
 * resumed from it continues bit for bit. It guards the reader when the writer changes format.
 */
class CheckpointFormatCompatTest {
  private static final Adagrad.Builder CONFIG = Adagrad.builder().learningRate(0.1).useEma(true).emaMomentum(0.9);

  /** Steps {@code [from, to)} with gradients seeded by the step. */
  static void steps(Adagrad opt, Variable w, Variable v, int from, int to) {
    for (int s = from; s < to; s++) {
      Random r = new Random(s);
      float[] gw = new float[3];
      for (int i = 0; i < gw.length; i++) {
        gw[i] = (float) r.nextGaussian();
      }
      double[] gv = new double[8];
      for (int i = 0; i < gv.length; i++) {
        gv[i] = r.nextGaussian();
      }
      opt.applyGradients(List.of(new GradientAndVariable(Tensor.of(gw, 3), w),
          new GradientAndVariable(Tensor.of(gv, 4, 2), v)));
    }
  }

  static Variable w() {
    return new Variable("w", Tensor.of(new float[] {1f, 2f, 3f}, 3));
  }

  static Variable v() {
    return new Variable("v", Tensor.of(new double[] {0.5, -0.5, 1, -1, 2, -2, 3, -3}, 4, 2));
  }

  @Test
  void aCheckpointOfTheFirstFormatIsReadAndResumedBitForBit() throws URISyntaxException {
    Path fixture = Path.of(getClass().getResource("/checkpoints/format-1").toURI());
    CheckpointStore store = new CheckpointStore(fixture.toString(), new Configuration(), 1);
    TrainingCheckpoint c = store.loadLatestValid();
    assertEquals(6, c.iterations());
    assertEquals("format-1 fixture", c.metadata().path("written").asText());

    Adagrad straight = CONFIG.build();
    Variable w = w();
    Variable v = v();
    steps(straight, w, v, 0, 6);
    assertEquals(w.read(), c.values().get("w"));
    assertEquals(v.read(), c.values().get("v"));
    steps(straight, w, v, 6, 10);

    Adagrad resumed = Adagrad.fromConfig(c.optimizerConfig());
    Variable rw = new Variable("w", Tensor.zeros(DType.FLOAT32, 3));
    Variable rv = new Variable("v", Tensor.zeros(DType.FLOAT64, 4, 2));
    c.restore(resumed, List.of(rw, rv));
    steps(resumed, rw, rv, 6, 10);
    assertEquals(w.read(), rw.read());
    assertEquals(v.read(), rv.read());
    assertEquals(straight.getWeights(), resumed.getWeights());
  }
}
