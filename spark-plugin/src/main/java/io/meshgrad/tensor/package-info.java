/**
 * The bottom layer: dense tensors ({@link io.meshgrad.tensor.Tensor}, float32 or float64, row-major),
 * sparse row gradients ({@link io.meshgrad.tensor.IndexedSlices}) and the {@link
 * io.meshgrad.tensor.Gradient} that is either. No dependency on Spark or on any other meshgrad package.
 */
package io.meshgrad.tensor;
