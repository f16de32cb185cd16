/**
 * Many optimizer steps in one Spark job (see docs/engine.md).
 *
 * <ul>
 *   <li>{@link io.meshgrad.runtime.engine.StepEngine}: K steps of variables held whole, in one
 *       barrier job whose tasks keep replicas and exchange partial sums directly; bit for bit the
 *       job-per-step path's result; resubmits a failed job from the state at its start.
 *   <li>{@link io.meshgrad.runtime.engine.BarrierJob}: one barrier job whose tasks rendezvous once
 *       with the driver and then talk to each other.
 *   <li>{@link io.meshgrad.runtime.engine.MeshTransport}: the one adapter over Spark's network
 *       layer (authenticated, optionally encrypted, attempt-tagged, every wait bounded).
 * </ul>
 *
 * Part of the {@code runtime} layer: uses {@code runtime} and the layers below it.
 */
package io.meshgrad.runtime.engine;
