package io.meshgrad.examples;

import io.meshgrad.metrics.StepStats;
import io.meshgrad.metrics.TrainingMetrics;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Prints a progress line every few seconds while a fit runs (step, loss, steps/s), read from
 * {@link TrainingMetrics}, so it works the same whichever estimator or path trains. The step
 * count is shown against the steps the fit plans ({@link TrainingMetrics#plannedSteps()}: the
 * {@code --steps} limit, or the {@code --epochs} limit when that ends the fit sooner), e.g.
 * {@code step 2/245 (epochs limit)}.
 */
final class Progress implements AutoCloseable {
  private final Thread thread;
  private final long firstStep = TrainingMetrics.steps();
  private final long start = System.nanoTime();

  Progress(PrintStream out, long periodMillis) {
    thread = new Thread(() -> {
      try {
        long printed = 0;
        while (!Thread.currentThread().isInterrupted()) {
          Thread.sleep(periodMillis);
          long done = TrainingMetrics.steps() - firstStep;
          StepStats last = TrainingMetrics.lastStep();
          if (done > printed && last != null) {
            printed = done;
            double seconds = (System.nanoTime() - start) / 1e9;
            out.println(line(done, last.loss(), seconds));
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "meshgrad-progress");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * The progress line after {@code done} steps of the current fit: e.g. {@code step 2/245 (epochs
   * limit)  loss 0.693147  4.1 steps/s}.
   */
  static String line(long done, double loss, double seconds) {
    return String.format(Locale.ROOT, "  step %d/%d (%s limit)  loss %.6f  %.1f steps/s", done,
        TrainingMetrics.plannedSteps(), TrainingMetrics.plannedLimit(), loss, seconds > 0 ? done / seconds : 0.0);
  }

  @Override
  public void close() {
    thread.interrupt();
  }
}
