/**
 * The training loop: {@link io.meshgrad.train.MeshTrainer} fits a linear model or any {@link
 * io.meshgrad.model.BlockModel} on a mesh ({@link io.meshgrad.train.MeshTrainer.Settings}), with what
 * a library front end needs on top of Keras-style steps ({@link io.meshgrad.train.MeshTrainer.Controls}):
 * the non-finite-step policy ({@link io.meshgrad.train.NonFiniteGradient}), early stopping on held-out
 * rows ({@link io.meshgrad.train.EarlyStopping}) and optimizer checkpoints with resume. The loop itself
 * is {@code TrainingLoop}; {@code NonFiniteGuard}, {@code FitCheckpoints} and {@code
 * ValidationTracker} each hold one of those concerns. Uses {@code runtime}, {@code checkpoint} and the
 * layers below.
 *
 * <pre>{@code
 * BinaryLogisticLoss loss = new BinaryLogisticLoss();
 * try (TrainingData data = TrainingData.from(df, "features", "label", null, mesh.batchSize(),
 *     loss::validateLabel)) {
 *   TrainingResult r = MeshTrainer.fit(spark, data, loss,
 *       Adagrad.builder().learningRate(0.5).build(), MeshTrainer.Settings.defaults(mesh, 100), null);
 * }
 * }</pre>
 */
package io.meshgrad.train;
