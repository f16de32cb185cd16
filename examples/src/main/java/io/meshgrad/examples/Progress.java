package io.meshgrad.examples;

import io.meshgrad.metrics.StepStats;
import io.meshgrad.metrics.TrainingMetrics;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Prints a progress line every few seconds while a fit runs (step, loss, steps/s), read from
 * {@link TrainingMetrics}, so it works the same whichever estimator or path trains.
 */
final class Progress implements AutoCloseable {
  private final Thread thread;
  private final long firstStep = TrainingMetrics.steps();
  private final long start = System.nanoTime();

  Progress(PrintStream out, long totalSteps, long periodMillis) {
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
            out.printf(Locale.ROOT, "  step %d/%d  loss %.6f  %.1f steps/s%n", done, totalSteps, last.loss(),
                done / seconds);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "meshgrad-progress");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void close() {
    thread.interrupt();
  }
}
