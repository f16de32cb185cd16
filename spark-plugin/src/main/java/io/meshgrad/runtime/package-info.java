/**
 * The Spark runtime of sharded variables and the training step: DTensor on Spark.
 *
 * <ul>
 *   <li>{@link io.meshgrad.runtime.MeshRuntime}: the {@link io.meshgrad.runtime.DVariable}s of a mesh,
 *       their shards and slots in one persisted state RDD ({@link io.meshgrad.runtime.VariableShard},
 *       {@link io.meshgrad.runtime.ChunkedTensor}, {@link io.meshgrad.runtime.ShardIndex}) whose lineage
 *       {@code StateLineage} cuts; the {@link io.meshgrad.optimizer.VariableHome} that runs an
 *       optimizer's steps on them.
 *   <li>The step: {@link io.meshgrad.runtime.DatasetLoss} (a loss over the data partitions, e.g.
 *       {@link io.meshgrad.runtime.ModelLoss} for a {@link io.meshgrad.model.BlockModel}) computes
 *       {@link io.meshgrad.runtime.PartialSums} per partition; {@link
 *       io.meshgrad.runtime.ShardedStep} reduce-scatters them to the shards in a fixed order
 *       ({@link io.meshgrad.runtime.OrderedTreeSum}) and applies the optimizer's kernels there.
 *   <li>Moving weights: {@link io.meshgrad.runtime.WeightShipper} ships driver-held weights as a base
 *       and deltas; the row-sparse pull ({@link io.meshgrad.runtime.RowPuller}, {@link
 *       io.meshgrad.runtime.RowPull}) brings a large sharded variable's touched rows only.
 *   <li>Many steps per job: the subpackage {@link io.meshgrad.runtime.engine} (the barrier-stage
 *       engine); {@link io.meshgrad.runtime.EngineData} is what a loss offers it.
 * </ul>
 *
 * Uses every layer below: {@code tensor} to {@code metrics}.
 */
package io.meshgrad.runtime;
