/**
 * DTensor-style device meshes, tensor layouts and the arithmetic that cuts a tensor into shards.
 *
 * <ul>
 *   <li>{@link io.meshgrad.mesh.Mesh}: ordered, named dimensions with sizes, one of which may be
 *       the batch (data-parallel) dimension.
 *   <li>{@link io.meshgrad.mesh.Layout}: for each tensor axis, the mesh dimension that shards it
 *       or {@link io.meshgrad.mesh.Layout#UNSHARDED}.
 *   <li>{@link io.meshgrad.mesh.BalancedSplit}: how one axis of length {@code n} is cut into
 *       {@code k} contiguous, balanced pieces.
 *   <li>{@link io.meshgrad.mesh.ShardedShape}: a tensor shape under a layout: shard ids, shard
 *       shapes and offsets, slicing and assembling of row-major arrays, and routing of sparse
 *       gradient rows to shards.
 * </ul>
 *
 * <p>Unlike DTensor, axis lengths need not be divisible by the number of pieces; the first
 * {@code n % k} pieces are one element longer and pieces may be empty when {@code n < k}.
 *
 * <p>Everything here is immutable and {@link java.io.Serializable}, with no dependency on Spark.
 */
package io.meshgrad.mesh;
