package io.meshgrad.tensor;

/**
 * A gradient: a dense {@link Tensor} or sparse rows ({@link IndexedSlices}), as in TensorFlow.
 * Element-wise operations such as clipping act on {@link #values()} and keep the kind.
 */
public sealed interface Gradient permits Tensor, IndexedSlices {

  /** The dtype of the values. */
  DType dtype();

  /** The shape of the dense tensor this gradient stands for. */
  int[] denseShape();

  /** The stored numbers: the tensor itself, or the slices' rows. */
  Tensor values();

  /** The same kind of gradient (same indices if sparse) with other values of the same shape. */
  Gradient withValues(Tensor newValues);
}
