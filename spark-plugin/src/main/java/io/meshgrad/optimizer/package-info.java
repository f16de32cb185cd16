/**
 * Keras 2.13's optimizer semantics, Spark-free: the base class {@link io.meshgrad.optimizer.Optimizer}
 * (iterations, learning rate, clipping, EMA, weight decay, config), {@link
 * io.meshgrad.optimizer.Adagrad}, the element-wise update kernels every path uses ({@link
 * io.meshgrad.optimizer.ElementwiseKernels}), {@link io.meshgrad.optimizer.Variable}s and the {@link
 * io.meshgrad.optimizer.VariableHome} through which variables that live elsewhere (sharded on a
 * mesh) are updated. Uses {@code tensor} and {@code schedule}.
 */
package io.meshgrad.optimizer;
