package io.meshgrad.runtime;

import io.meshgrad.mesh.Layout;
import io.meshgrad.mesh.ShardedShape;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.optimizer.VariableHome;
import io.meshgrad.tensor.Tensor;

/**
 * A variable sharded across a Spark cluster, DTensor's {@code DVariable}: its {@link Layout} cuts
 * it into shards that live, one per partition, in its {@link MeshRuntime}'s persisted state RDD,
 * next to the same shards of its optimizer slots. A model variable's whole value is also kept on
 * the driver (it is what the next step broadcasts); a slot's value is only in the shards.
 */
public final class DVariable extends Variable {
  private final MeshRuntime runtime;
  private final int index;
  private final String slotName;
  private final ShardedShape shardedShape;

  DVariable(MeshRuntime runtime, String name, int index, String slotName, ShardedShape shardedShape,
      io.meshgrad.tensor.DType dtype) {
    super(name, dtype, shardedShape.shape());
    this.runtime = runtime;
    this.index = index;
    this.slotName = slotName;
    this.shardedShape = shardedShape;
  }

  /** The layout of the variable (and of its slots). */
  public Layout layout() {
    return shardedShape.layout();
  }

  /** Shape, layout and shard arithmetic. */
  public ShardedShape shardedShape() {
    return shardedShape;
  }

  public int numShards() {
    return shardedShape.numShards();
  }

  /** Whether this is an optimizer slot rather than a model variable. */
  public boolean isSlot() {
    return slotName != null;
  }

  int index() {
    return index;
  }

  String slotName() {
    return slotName;
  }

  /** The whole value, gathered from the shards for a slot, from the driver's copy for a model variable. */
  @Override
  public Tensor read() {
    return runtime.read(this);
  }

  /** Sets the whole value; each shard takes its part. */
  @Override
  public void assign(Tensor newValue) {
    runtime.assign(this, newValue);
  }

  @Override
  public VariableHome home() {
    return runtime;
  }
}
