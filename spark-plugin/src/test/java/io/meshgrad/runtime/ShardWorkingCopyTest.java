package io.meshgrad.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * An engine owner's job-local working copy of a shard ({@link ShardWorkingCopy}) against the job
 * path's copy-on-write step ({@link VariableShard#afterStep}), the reference: the same steps give
 * the same update messages and the same shard bit for bit, sharing the same chunks with the
 * start shard, which stays untouched.
 */
class ShardWorkingCopyTest {
  private static Tensor random(DType dtype, long seed, int... shape) {
    Random r = new Random(seed);
    double[] v = new double[Math.toIntExact(Tensor.numElements(shape))];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextGaussian();
    }
    return Tensor.fromDoubles(dtype, v, shape);
  }

  /** Sparse rows {@code rows} (with a repeat, as Keras allows). */
  private static IndexedSlices sparse(DType dtype, long seed, int[] rows, int... shape) {
    int[] valuesShape = shape.clone();
    valuesShape[0] = rows.length;
    return new IndexedSlices(rows, random(dtype, seed, valuesShape), shape);
  }

  private static ShardStepStats stats(int k) {
    return new ShardStepStats(k, k + 1, k + 2, k + 3, k + 4, k + 5);
  }

  private static void assertBits(Tensor expected, Tensor actual, String what) {
    assertEquals(expected.dtype(), actual.dtype(), what);
    assertArrayEquals(expected.shape(), actual.shape(), what);
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(Double.doubleToRawLongBits(expected.get(i)), Double.doubleToRawLongBits(actual.get(i)),
          what + ": element " + i);
    }
  }

  private static void assertSameShard(VariableShard expected, VariableShard actual, VariableShard start, String what) {
    assertBits(expected.value(), actual.value(), what + ": value");
    assertEquals(expected.chunkedSlots().keySet(), actual.chunkedSlots().keySet(), what + ": slots");
    for (String name : expected.chunkedSlots().keySet()) {
      assertBits(expected.slot(name), actual.slot(name), what + ": slot " + name);
    }
    ChunkedTensor v0 = start.chunkedValue();
    for (int c = 0; c < v0.numChunks(); c++) {
      assertEquals(expected.chunkedValue().sharesChunk(v0, c), actual.chunkedValue().sharesChunk(v0, c),
          what + ": value chunk " + c + " shared with the start");
      for (String name : expected.chunkedSlots().keySet()) {
        assertEquals(expected.chunkedSlots().get(name).sharesChunk(start.chunkedSlots().get(name), c),
            actual.chunkedSlots().get(name).sharesChunk(start.chunkedSlots().get(name), c),
            what + ": slot " + name + " chunk " + c + " shared with the start");
      }
      assertEquals(expected.changedSinceCut(c), actual.changedSinceCut(c), what + ": chunk " + c + " since the cut");
    }
    assertEquals(expected.knowsChangesSinceCut(), actual.knowsChangesSinceCut(), what + ": changes since the cut");
    assertArrayEquals(EngineWire.encodeUpdates(List.of(expected.update(true))),
        EngineWire.encodeUpdates(List.of(actual.update(true))), what + ": the shard's own update");
  }

  private record Step(Optimizer.VariableStep step, Gradient gradient) {}

  /** Sparse steps, a sparse gradient under weight decay (every element), a dense gradient, sparse again. */
  private static List<Step> steps(DType dtype, int[] shape) {
    int n = shape[0];
    return List.of(
        new Step(new Optimizer.VariableStep(0.1f, 0, false), sparse(dtype, 11, new int[] {3, n / 2, n - 1, 3}, shape)),
        new Step(new Optimizer.VariableStep(0.1f, 1, false), sparse(dtype, 12, new int[] {n / 2, 7, 200}, shape)),
        new Step(new Optimizer.VariableStep(0.1f, 2, true), sparse(dtype, 13, new int[] {5}, shape)),
        new Step(new Optimizer.VariableStep(0.1f, 3, false), random(dtype, 14, shape)),
        new Step(new Optimizer.VariableStep(0.1f, 4, false), sparse(dtype, 15, new int[] {n - 2, 1, 1}, shape)));
  }

  @Test
  void stepsInPlaceGiveTheJobPathsShardsAndUpdatesBitForBit() {
    Adagrad opt = Adagrad.builder().learningRate(0.1).weightDecay(0.01).build();
    for (DType dtype : DType.values()) {
      for (int[] shape : List.of(new int[] {10_000}, new int[] {1_000, 16}, new int[] {300, 200})) {
        for (boolean withCut : new boolean[] {false, true}) {
          for (int sparseOnly : new int[] {2, 5}) {
            Tensor value = random(dtype, 1, shape);
            Tensor acc = Tensor.filled(dtype, 0.1, shape);
            VariableShard made = new VariableShard(0, 0, value, Map.of("accumulator", acc));
            VariableShard start = withCut ? made.atCut() : made;
            String what = dtype + java.util.Arrays.toString(shape) + (withCut ? " after a cut" : "") + ", "
                + sparseOnly + " steps";
            VariableShard reference = start;
            ShardWorkingCopy working = new ShardWorkingCopy(start);
            assertSame(start, working.toShard(), what + ": no step, the start shard itself");
            List<Step> steps = steps(dtype, shape).subList(0, sparseOnly);
            for (int k = 0; k < steps.size(); k++) {
              Step s = steps.get(k);
              boolean findChanges = k != 1;
              reference = reference.afterStep(opt, s.step(), s.gradient(), stats(k), findChanges);
              working.notWritten();
              working.step(opt, s.step(), s.gradient(), stats(k), findChanges, k % 2 == 0);
              for (boolean withValues : new boolean[] {false, true}) {
                assertArrayEquals(EngineWire.encodeUpdates(List.of(reference.update(withValues))),
                    EngineWire.encodeUpdates(List.of(working.update(withValues))),
                    what + ": step " + k + "'s update" + (withValues ? " with values" : ""));
              }
              assertBits(reference.value(), working.value(), what + ": step " + k + "'s values");
              int[] rows = {0, shape[0] / 2, shape[0] - 1};
              assertBits(reference.rows(rows), working.rows(rows), what + ": step " + k + "'s rows");
            }
            VariableShard after = working.toShard();
            assertSameShard(reference, after, start, what);
            assertEquals(sparseOnly == 2, after.chunkedValue().sharesChunk(start.chunkedValue(),
                start.chunkedValue().chunkOfRow(shape[0] / 4)),
                what + ": sparse steps share the chunks they did not touch");
            assertBits(value, start.value(), what + ": the start shard's values are untouched");
            assertBits(acc, start.slot("accumulator"), what + ": its accumulator too");
            assertNotEquals(value, after.value(), what + ": the steps changed something");
          }
        }
      }
    }
  }

  @Test
  void aStepTakenBackLeavesTheShardAsBefore() {
    Adagrad opt = Adagrad.builder().learningRate(0.1).weightDecay(0.01).build();
    for (DType dtype : DType.values()) {
      int[] shape = {1_000, 16};
      VariableShard start = new VariableShard(0, 0, random(dtype, 1, shape),
          Map.of("accumulator", Tensor.filled(dtype, 0.1, shape))).atCut();
      List<Step> steps = steps(dtype, shape);
      for (int undone = 0; undone < steps.size(); undone++) {
        VariableShard reference = start;
        ShardWorkingCopy working = new ShardWorkingCopy(start);
        for (int k = 0; k <= undone; k++) {
          Step s = steps.get(k);
          VariableShard next = reference.afterStep(opt, s.step(), s.gradient(), stats(k), true);
          working.notWritten();
          working.step(opt, s.step(), s.gradient(), stats(k), true, true);
          if (k < undone) {
            reference = next;
          }
        }
        working.undoLastStep();
        String what = dtype + ": step " + undone + " taken back";
        VariableShard after = working.toShard();
        if (undone == 0) {
          assertSame(start, after, what + ": the start shard itself");
        } else {
          assertSameShard(reference, after, start, what);
        }
      }
    }
  }

  @Test
  void onlyTheRowsALastStepWroteAreReadForFiniteness() {
    Adagrad opt = Adagrad.builder().learningRate(0.1).build();
    int[] shape = {1_000, 4};
    Tensor value = random(DType.FLOAT32, 1, shape);
    value.floats()[4 * 900] = Float.NaN; // row 900: never written by the step below
    VariableShard start = new VariableShard(0, 0, value, Map.of("accumulator", Tensor.filled(DType.FLOAT32, 0.1,
        shape)));
    ShardWorkingCopy working = new ShardWorkingCopy(start);
    assertFalse(working.writtenFinite(true), "before any step, everything is read");
    working.notWritten();
    working.step(opt, new Optimizer.VariableStep(0.1f, 0, false), sparse(DType.FLOAT32, 3, new int[] {2, 5}, shape),
        stats(0), true, false);
    assertTrue(working.writtenFinite(false), "rows 2 and 5 are finite");
    assertFalse(working.writtenFinite(true), "row 900 is not");
    IndexedSlices huge = new IndexedSlices(new int[] {7}, Tensor.filled(DType.FLOAT32, Float.NaN, 1, 4), shape);
    working.notWritten();
    working.step(opt, new Optimizer.VariableStep(0.1f, 1, false), huge, stats(1), true, false);
    assertFalse(working.writtenFinite(false), "row 7 is written non-finite");
    working.notWritten();
    assertTrue(working.writtenFinite(false), "a shard no step wrote reads nothing");
  }
}
