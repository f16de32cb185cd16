package io.meshgrad.train;

/**
 * Thrown by {@link MeshTrainer#fit} under {@link NonFiniteGradient#ERROR} when a step's loss,
 * gradient or updated weights are not finite. The message names the 1-based step and the
 * variable; {@link #lastGood()} holds the weights from before that step.
 */
public final class NonFiniteGradientException extends ArithmeticException {
  private static final long serialVersionUID = 1L;

  private final long step;
  private final String variable;
  private final transient TrainingResult lastGood;

  NonFiniteGradientException(String message, long step, String variable, TrainingResult lastGood) {
    super(message);
    this.step = step;
    this.variable = variable;
    this.lastGood = lastGood;
  }

  /** The 1-based number of the step that was not finite. */
  public long step() {
    return step;
  }

  /**
   * The variable whose gradient or updated value was not finite first, or {@code null} when only
   * the loss was.
   */
  public String variable() {
    return variable;
  }

  /**
   * The weights before the failing step (the raw variable values, not EMA averages) and the loss
   * history up to it; {@code null} after deserialization.
   */
  public TrainingResult lastGood() {
    return lastGood;
  }
}
