/**
 * The data side of distributed training: from a Spark {@code Dataset} to cached, validated,
 * blockified partitions, and the choice of each step's rows.
 *
 * <ul>
 *   <li>{@link io.meshgrad.data.TrainingData}: validates the training columns and rows,
 *       repartitions them deterministically into the mesh's batch dimension and caches them as
 *       one {@link io.meshgrad.data.PartitionRows} per partition.
 *   <li>{@link io.meshgrad.runtime.ModelLoss}: the objective of a {@link io.meshgrad.model.BlockModel}
 *       (a linear model: {@link io.meshgrad.runtime.ModelLoss#linear}) over those partitions, per
 *       step's batch; {@link io.meshgrad.train.MeshTrainer} runs the training loop over it.
 *   <li>{@link io.meshgrad.data.PartitionRows}: one partition's rows as {@link
 *       io.meshgrad.loss.InstanceBlock}s, with row selection and per-step gradient sums.
 *   <li>{@link io.meshgrad.data.BatchPlan}: which rows of each partition a step uses, full batch
 *       or seeded mini-batches that cover every row once per epoch.
 *   <li>{@link io.meshgrad.data.LabelValidator}: a serializable label check.
 * </ul>
 *
 * <p>Typical use for one fit:
 *
 * <pre>{@code
 * try (TrainingData data = TrainingData.from(df, "features", "label", null,
 *         mesh.batchSize(), loss::validateLabel);
 *     ModelLoss objective = ModelLoss.linear(data, loss,
 *         BatchPlan.miniBatch(data.rowsPerPartition(), 256, seed), true, regParam)) {
 *   Adagrad opt = Adagrad.builder().learningRate(0.5).build();
 *   objective.bindSteps(opt);                // step t uses batch t
 *   List<Variable> vars = List.of(
 *       new Variable("coefficients", Tensor.zeros(DType.FLOAT32, data.numFeatures())),
 *       new Variable("intercept", Tensor.zeros(DType.FLOAT32, 1)));
 *   for (long step = 0; step < steps; step++) {
 *     opt.minimize(objective, vars);          // one Spark job: the partitions' sums, in a fixed order
 *   }
 * }
 * }</pre>
 */
package io.meshgrad.train;
