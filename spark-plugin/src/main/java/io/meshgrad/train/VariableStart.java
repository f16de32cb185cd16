package io.meshgrad.train;

import io.meshgrad.mesh.Layout;
import io.meshgrad.model.Initializer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.MeshRuntime;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;

/**
 * A variable to create: its name, shape, how its first value is drawn, its layout on the mesh,
 * and whether, when sharded, its shards are generated on the executors ({@link
 * MeshRuntime#variable(String, DType, int[], Initializer, long, Layout)}) rather than cut from a
 * first value made on the driver.
 */
record VariableStart(String name, int[] shape, Initializer initializer, long seed, Layout layout,
    boolean generateOnShards) {
  /** The whole first value, made on the driver. */
  Tensor initial(DType dtype) {
    return Tensor.fromDoubles(dtype, initializer.values(shape, seed), shape);
  }

  /** The variable on {@code runtime} (sharded by its layout), or held on the driver when {@code runtime} is null. */
  Variable create(MeshRuntime runtime, DType dtype) {
    if (runtime == null) {
      return new Variable(name, initial(dtype));
    }
    return generateOnShards
        ? runtime.variable(name, dtype, shape, initializer, seed, layout)
        : runtime.variable(name, initial(dtype), layout);
  }
}
