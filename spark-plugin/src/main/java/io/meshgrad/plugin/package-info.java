/**
 * {@link io.meshgrad.plugin.MeshgradPlugin}, a Spark plugin ({@code spark.plugins}) that publishes the
 * {@code metrics} layer's counters in Spark's metrics system. The top layer, beside {@code ml}.
 */
package io.meshgrad.plugin;
