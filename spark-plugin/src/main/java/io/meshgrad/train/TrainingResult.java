package io.meshgrad.train;

import io.meshgrad.tensor.Tensor;

/**
 * What a {@link MeshTrainer#fit} returns: the final weights (EMA averages when EMA is on, as
 * Keras' {@code fit} finalizes them), the objective of each step's batch at the weights before
 * that step's update, and counts.
 *
 * @param intercept {@code null} when no intercept was fitted
 */
public record TrainingResult(
    Tensor coefficients, Tensor intercept, double[] lossHistory, long steps, long epochs, double wallSeconds) {}
