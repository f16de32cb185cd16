package io.meshgrad.checkpoint;

/**
 * Where and how often a fit writes its optimizer state ({@link CheckpointStore}), and whether it
 * first continues from the newest valid checkpoint there.
 *
 * @param directory a Hadoop path
 * @param everySteps write after every this many steps ({@code >= 1})
 * @param keep how many checkpoints to keep ({@code >= 1})
 * @param resume continue from the newest valid checkpoint if there is one
 */
public record CheckpointPolicy(String directory, int everySteps, int keep, boolean resume) {
  public CheckpointPolicy {
    if (directory == null || directory.isBlank()) {
      throw new IllegalArgumentException("checkpoint directory must be a non-empty path, got '" + directory + "'");
    }
    if (everySteps < 1) {
      throw new IllegalArgumentException("checkpoints must be written every >= 1 steps, got " + everySteps);
    }
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be >= 1 checkpoints, got " + keep);
    }
  }
}
