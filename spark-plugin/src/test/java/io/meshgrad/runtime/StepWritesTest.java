package io.meshgrad.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.Mesh;
import io.meshgrad.mesh.ShardedShape;
import io.meshgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * What the sharded engine reads to keep its per-step work to what a step wrote: the positions in
 * the whole variable that an update writes ({@link ShardUpdate#writtenPositions}), and the NaN
 * check of a shard in the chunks not shared with its state before ({@link ChunkedTensor#finiteOutside}).
 */
class StepWritesTest {

  @Test
  void anUpdateWritesItsChangedElementsOrItsWholeShardOrNothing() {
    ShardedShape shape = ShardedShape.of(Layout.of(Mesh.parse("batch=1,model=2"), "model"), 10); // [0,5) [5,10)
    Tensor whole = Tensor.zeros(io.meshgrad.tensor.DType.FLOAT32, 10);
    ShardUpdate some = new ShardUpdate(0, 1, new int[] {0, 3}, Tensor.of(new float[] {1, 2}, 2), null, 0, null);
    assertArrayEquals(new int[] {5, 8}, some.writtenPositions(shape));
    ShardUpdate all = new ShardUpdate(0, 0, null, Tensor.of(new float[] {1, 2, 3, 4, 5}, 5), null, 0, null);
    assertArrayEquals(new int[] {0, 1, 2, 3, 4}, all.writtenPositions(shape));
    ShardUpdate none = new ShardUpdate(0, 1, new int[0], Tensor.zeros(io.meshgrad.tensor.DType.FLOAT32, 0), null, 0,
        null);
    assertArrayEquals(new int[0], none.writtenPositions(shape));
    // what applyTo writes is exactly there
    some.applyTo(whole, shape);
    all.applyTo(whole, shape);
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 1, 0, 0, 2, 0}, whole.floats());
  }

  @Test
  void onlyTheChunksAStepWroteAreChecked() {
    float[] v = new float[1000];
    ChunkedTensor before = ChunkedTensor.of(Tensor.of(v, 1000));
    assertTrue(before.finiteOutside(null));
    int[] ids = {3};
    Tensor gathered = before.gather(ids);
    gathered.floats()[7] = Float.NaN;
    ChunkedTensor after = before.withChunks(ids, gathered);
    assertFalse(after.finiteOutside(before), "the chunk the step wrote holds a NaN");
    assertFalse(after.finiteOutside(null));
    ChunkedTensor clean = before.withChunks(new int[] {5}, before.gather(new int[] {5}));
    assertTrue(clean.finiteOutside(before));
    // a NaN in a chunk shared with the state before is not looked for: that state was checked
    ChunkedTensor next = after.withChunks(new int[] {5}, after.gather(new int[] {5}));
    assertTrue(next.finiteOutside(after));
    assertFalse(next.finiteOutside(null), "checking everything finds it");
  }
}
