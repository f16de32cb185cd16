/**
 * The models meshgrad trains, on one abstraction, {@link io.meshgrad.model.BlockModel}: its variables
 * ({@link io.meshgrad.model.VariableSpec}: shape, initializer, layout, whether feature-indexed) and
 * its loss and gradient over an {@link io.meshgrad.loss.InstanceBlock}. {@link
 * io.meshgrad.model.LinearModel}, {@link io.meshgrad.model.FactorizationMachine} and {@link
 * io.meshgrad.model.MultilayerPerceptron} (one small class per layer kind, as Spark's {@code ml/ann}).
 * Uses {@code loss}, {@code mesh} (layouts) and {@code tensor}.
 */
package io.meshgrad.model;
