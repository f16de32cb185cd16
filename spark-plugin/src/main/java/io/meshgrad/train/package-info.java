/**
 * The data side of distributed training: from a Spark {@code Dataset} to cached, validated,
 * blockified partitions, and the choice of each step's rows.
 *
 * <ul>
 *   <li>{@link io.meshgrad.train.TrainingData}: validates the training columns and rows,
 *       repartitions them deterministically into the mesh's batch dimension and caches them as
 *       one {@link io.meshgrad.train.PartitionRows} per partition; also a reproducible
 *       aggregate of a step's gradient sums.
 *   <li>{@link io.meshgrad.train.PartitionRows}: one partition's rows as {@link
 *       io.meshgrad.loss.InstanceBlock}s, with row selection and per-step gradient sums.
 *   <li>{@link io.meshgrad.train.BatchPlan}: which rows of each partition a step uses, full batch
 *       or seeded mini-batches that cover every row once per epoch.
 *   <li>{@link io.meshgrad.train.LabelValidator}: a serializable label check.
 * </ul>
 *
 * <p>Typical use for one fit:
 *
 * <pre>{@code
 * try (TrainingData data = TrainingData.from(df, "features", "label", null,
 *     mesh.batchSize(), loss::validateLabel)) {
 *   Broadcast<BatchPlan> plan =
 *       jsc.broadcast(BatchPlan.miniBatch(data.rowsPerPartition(), 256, seed));
 *   for (long step = 0; step < steps; step++) {
 *     Broadcast<double[][]> weights = jsc.broadcast(new double[][] {coef, intercept});
 *     GradientSum sums = TrainingData.treeAggregate(data, loss, plan, step, weights, true, 2);
 *     weights.destroy();
 *     // L2Regularization.objective(sums, coef, regParam), then the optimizer update
 *   }
 *   plan.destroy();
 * }
 * }</pre>
 */
package io.meshgrad.train;
