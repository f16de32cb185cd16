/**
 * Replays {@code meshgrad-scenario/1} optimizer traces (the golden Keras scenarios) in process
 * ({@link io.meshgrad.conformance.InProcessScenarioRunner}) or sharded on a Spark mesh ({@link
 * io.meshgrad.conformance.ShardedScenarioRunner}), for the conformance tests and {@code bin/meshgrad
 * replay} ({@link io.meshgrad.conformance.Replay}).
 */
package io.meshgrad.conformance;
