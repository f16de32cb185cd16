package io.meshgrad.train;

/** Called on the driver after each training step (progress lines, metrics). */
@FunctionalInterface
public interface StepListener {

  /**
   * @param step 1-based number of the step just taken
   * @param totalSteps the planned number of steps
   * @param epoch 0-based epoch of that step
   * @param loss the objective on the step's batch at the weights before the update
   */
  void onStep(long step, long totalSteps, long epoch, double loss);
}
