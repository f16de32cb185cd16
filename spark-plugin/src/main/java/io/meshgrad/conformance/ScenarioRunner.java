package io.meshgrad.conformance;

/** Runs a scenario's optimizer steps and reports the final state. */
@FunctionalInterface
public interface ScenarioRunner {

  /** Replays every step of {@code scenario} and returns the state afterwards. */
  ScenarioResult run(Scenario scenario);
}
