/**
 * Per-row losses of linear margins and the packed rows they are summed over: {@link
 * io.meshgrad.loss.Instance}, {@link io.meshgrad.loss.InstanceBlock} (rows packed for BLAS), {@link
 * io.meshgrad.loss.BlockLoss} and its logistic, multinomial, hinge and least-squares kinds. The
 * arithmetic of one block; where the blocks live is the {@code data} layer's business. Uses Spark's
 * {@code ml.linalg} vectors only.
 */
package io.meshgrad.loss;
