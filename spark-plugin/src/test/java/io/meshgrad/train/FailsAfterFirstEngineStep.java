package io.meshgrad.train;

import io.meshgrad.model.BlockModel;
import io.meshgrad.loss.InstanceBlock;
import io.meshgrad.model.VariableSpec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.TaskContext;
import org.apache.spark.ml.linalg.Vector;

/**
 * A {@link BlockModel} that computes as the model it wraps, except that in the engine's barrier
 * jobs the task of one rank throws once it has taken its first step, in the first job that starts
 * from a given state: the task fails when its model is handed weights other than those of its
 * first step (so in its second step), in every attempt of the first stage that started from those
 * weights (the weights of the job's first step as that rank sees them). Spark's own retries of
 * that stage (it retries a barrier shuffle map stage, as the sharded engine's) fail the same way,
 * so the job fails, after real progress in its tasks, and only the engine's resubmission of the
 * job from its start (a new stage) can make the fit finish. What has failed is kept in this JVM,
 * so this serves Spark's local mode (tasks in the test's JVM); tasks of jobs that are not barrier
 * stages (one step per job) are not touched.
 */
final class FailsAfterFirstEngineStep implements BlockModel {
  private static final long serialVersionUID = 1L;
  private static final AtomicLong INSTANCES = new AtomicLong();
  /** The stage that fails, by (instance, fingerprint of its first step's weights). */
  private static final Map<String, Integer> FAILING_STAGES = new ConcurrentHashMap<>();
  /** The fingerprint of the first weights each task attempt saw. */
  private static final Map<Long, Long> FIRST_WEIGHTS = new ConcurrentHashMap<>();

  private final BlockModel model;
  private final int rank;
  private final long id = INSTANCES.incrementAndGet();

  /** {@code model}, whose task of rank {@code rank} fails after its first step in each engine job's first attempt. */
  FailsAfterFirstEngineStep(BlockModel model, int rank) {
    this.model = model;
    this.rank = rank;
  }

  /** How many stages (all their attempts) have failed on purpose so far. */
  long failures() {
    return FAILING_STAGES.keySet().stream().filter(k -> k.startsWith(id + "/")).count();
  }

  @Override
  public double accumulate(InstanceBlock block, double[][] weights, double[][] gradients) {
    TaskContext task = TaskContext.get();
    if (task instanceof BarrierTaskContext && task.partitionId() == rank) {
      long seen = fingerprint(weights);
      Long first = FIRST_WEIGHTS.putIfAbsent(task.taskAttemptId(), seen);
      if (first != null && first != seen
          && FAILING_STAGES.computeIfAbsent(id + "/" + first, k -> task.stageId()) == task.stageId()) {
        throw new IllegalStateException("test: rank " + rank + " fails after its first step in stage "
            + task.stageId() + " (attempt " + task.stageAttemptNumber() + "), the first from its state");
      }
    }
    return model.accumulate(block, weights, gradients);
  }

  private static long fingerprint(double[][] weights) {
    long h = 1125899906842597L;
    for (double[] w : weights) {
      h = 31 * h + w.length;
      for (double x : w) {
        h = 31 * h + Double.doubleToLongBits(x);
      }
    }
    return h;
  }

  @Override
  public List<VariableSpec> variables() {
    return model.variables();
  }

  @Override
  public int numFeatures() {
    return model.numFeatures();
  }

  @Override
  public int numOutputs() {
    return model.numOutputs();
  }

  @Override
  public void validateLabel(double label) {
    model.validateLabel(label);
  }

  @Override
  public double[] outputs(Vector features, double[][] weights) {
    return model.outputs(features, weights);
  }

  @Override
  public String toString() {
    return model.toString();
  }
}
