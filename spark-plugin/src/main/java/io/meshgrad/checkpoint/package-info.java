/**
 * Optimizer checkpoints in a Hadoop filesystem, format {@code meshgrad-checkpoint/2} (tensors of more than one
 * chunk as the chunks changed since the previous checkpoint; {@code /1} is read too): {@link
 * io.meshgrad.checkpoint.TrainingCheckpoint} (the optimizer's config, iterations, variables and
 * slots), written atomically and verified on load by {@link io.meshgrad.checkpoint.CheckpointStore};
 * {@link io.meshgrad.checkpoint.CheckpointPolicy} says where and how often. Uses {@code optimizer}
 * and {@code tensor}; nothing is Java-deserialized.
 */
package io.meshgrad.checkpoint;
