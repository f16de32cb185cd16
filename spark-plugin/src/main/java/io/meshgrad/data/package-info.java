/**
 * The data side of training: from a Spark {@code Dataset} to cached, validated, blockified
 * partitions, one per index of the mesh's batch dimension ({@link io.meshgrad.data.TrainingData},
 * {@link io.meshgrad.data.PartitionRows}), and the choice of each step's rows ({@link
 * io.meshgrad.data.BatchPlan}: full batch or seeded mini-batches that cover every row once per
 * epoch). Also {@link io.meshgrad.data.SyntheticClicks}, a generated click-through data set. Uses
 * {@code loss}.
 */
package io.meshgrad.data;
