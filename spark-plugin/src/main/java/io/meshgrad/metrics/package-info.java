/**
 * What training steps did, as counters of this JVM: {@link io.meshgrad.metrics.StepStats} per step,
 * {@link io.meshgrad.metrics.TrainingMetrics} on the driver and {@link
 * io.meshgrad.metrics.ExecutorMetrics} on executors. The {@code plugin} layer publishes them in
 * Spark's metrics system. No dependency on other meshgrad packages.
 */
package io.meshgrad.metrics;
