package io.meshgrad.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.checkpoint.CheckpointPolicy;
import io.meshgrad.checkpoint.CheckpointStore;
import io.meshgrad.checkpoint.TrainingCheckpoint;
import io.meshgrad.data.TrainingData;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fit's optimizer checkpoints: what identifies the fit (a checkpoint of another fit is refused),
 * resuming from the newest valid checkpoint, and saving every {@link CheckpointPolicy#everySteps()}
 * steps and after the last one, with the loss history so far.
 */
final class FitCheckpoints {
  private static final Logger LOG = LoggerFactory.getLogger(FitCheckpoints.class);
  private static final List<String> IDENTITY_KEYS =
      List.of("model", "settings", "plannedSteps", "rows", "features", "rowsPerPartition", "optimizer",
          "featureScale");

  private final CheckpointPolicy policy;
  private final CheckpointStore store;
  private final ObjectNode identity;

  FitCheckpoints(CheckpointPolicy policy, Configuration hadoopConf, ObjectNode identity) {
    this.policy = policy;
    this.store = new CheckpointStore(policy.directory(), hadoopConf, policy.keep());
    this.identity = identity;
  }

  /** What must be the same for a checkpoint to be continued: settings, data shape and optimizer. */
  static ObjectNode identity(MeshTrainer.Settings s, TrainingData data, Optimizer optimizer, long steps,
      String modelDescription) {
    ObjectNode id = JsonNodeFactory.instance.objectNode();
    if (modelDescription != null) {
      id.put("model", modelDescription);
    }
    id.put("settings", s.toString());
    id.put("plannedSteps", steps);
    id.put("rows", data.numRows());
    id.put("features", data.numFeatures());
    id.put("rowsPerPartition", Arrays.toString(data.rowsPerPartition()));
    if (!data.featureScale().isNone()) {
      // weights on standardized features continue only on the same scale; an unscaled fit's identity is unchanged
      id.put("featureScale", Arrays.hashCode(data.featureScale().inverseStd()));
    }
    id.set("optimizer", optimizer.getConfig());
    return id;
  }

  /**
   * Restores the newest valid checkpoint, if the policy resumes and there is one, into the optimizer
   * and variables and the loss history; returns the number of steps it had taken (0 otherwise).
   */
  int resume(Optimizer optimizer, List<Variable> vars, double[] history) {
    if (!policy.resume()) {
      return 0;
    }
    TrainingCheckpoint c = store.loadLatestValid();
    if (c == null) {
      return 0;
    }
    ObjectNode meta = c.metadata();
    for (String key : IDENTITY_KEYS) {
      if (identity.get(key) == null && meta.get(key) == null) {
        continue; // a linear fit's identity names no model
      }
      if (meta.get(key) == null || identity.get(key) == null
          || !identity.get(key).toString().equals(meta.get(key).toString())) {
        throw new IllegalArgumentException("cannot resume from the checkpoint in " + store + ": it was written by a "
            + "fit with " + key + " " + meta.get(key) + ", this fit has " + identity.get(key));
      }
    }
    c.restore(optimizer, vars);
    JsonNode losses = meta.get("lossHistory");
    for (int i = 0; i < losses.size(); i++) {
      history[i] = losses.get(i).doubleValue();
    }
    LOG.info("resumed from the checkpoint at step {} in {}", c.iterations(), store);
    return losses.size();
  }

  /** Saves a checkpoint when {@code taken} is a multiple of the policy's interval or the last step. */
  void afterStep(int taken, long steps, Optimizer optimizer, List<Variable> vars, double[] history) {
    if (taken % policy.everySteps() != 0 && taken != steps) {
      return;
    }
    ObjectNode meta = identity.deepCopy();
    ArrayNode losses = meta.putArray("lossHistory");
    for (int i = 0; i < taken; i++) {
      losses.add(history[i]);
    }
    store.save(TrainingCheckpoint.capture(optimizer, vars, meta));
  }
}
