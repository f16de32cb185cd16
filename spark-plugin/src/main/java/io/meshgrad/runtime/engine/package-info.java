/**
 * Many optimizer steps in one Spark job (see docs/engine.md).
 *
 * <ul>
 *   <li>{@link io.meshgrad.runtime.engine.StepEngine}: K steps in one barrier job, bit for bit the
 *       job-per-step path's result; resubmits a failed job from the state at its start. Variables
 *       held whole: the tasks keep replicas and exchange partial sums directly. Sharded variables
 *       on a {@code MeshRuntime}: {@code ShardOwners}, whose tasks own state shards round robin
 *       and step them with {@link io.meshgrad.runtime.OwnedShards}.
 *   <li>{@link io.meshgrad.runtime.engine.BarrierJob}: one barrier job whose tasks rendezvous once
 *       with the driver and then talk to each other.
 *   <li>{@link io.meshgrad.runtime.engine.MeshTransport}: the engine's facade over Spark's
 *       network layer (authenticated, optionally encrypted, attempt-tagged, every wait bounded);
 *       its parts are classes of their own here ({@code AuthenticatedNetwork}, {@code Frame},
 *       {@code EndpointInbox}, {@code Rendezvous}, {@code FitRequests}, {@code FitEndpoints},
 *       {@code FitRelease}, {@code ResidentState}, see docs/engine.md "Transport").
 * </ul>
 *
 * Part of the {@code runtime} layer: uses {@code runtime} and the layers below it.
 */
package io.meshgrad.runtime.engine;
