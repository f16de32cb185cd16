package io.meshgrad.train;

import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.runtime.DatasetLoss;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Early stopping's side of a fit: evaluates the validation loss of the weights a model would get
 * (EMA averages when kept), remembers the best weights and when they were seen, and says when
 * {@link EarlyStopping#patience()} evaluations in a row have not improved.
 */
final class ValidationTracker implements AutoCloseable {
  private final EarlyStopping rule;
  private final DatasetLoss validation;
  private final List<Double> history = new ArrayList<>();
  private double best = Double.POSITIVE_INFINITY;
  private Tensor[] bestWeights;
  private long bestStep = -1;
  private int sinceBest;

  ValidationTracker(EarlyStopping rule, DatasetLoss validation) {
    this.rule = rule;
    this.validation = validation;
  }

  /** Evaluates after {@code step}; returns true when the patience is used up. */
  boolean evaluateAfter(long step, Optimizer optimizer, List<Variable> vars) {
    Tensor[] w = VariableValues.modelWeights(optimizer, vars);
    double loss = validation.evaluate(VariableValues.inProcess(vars, w)).loss();
    history.add(loss);
    if (rule.improves(loss, best)) {
      best = loss;
      bestWeights = w;
      bestStep = step;
      sinceBest = 0;
      return false;
    }
    return ++sinceBest >= rule.patience();
  }

  /** The best weights so far, or {@code null} before any evaluation improved. */
  Tensor[] bestWeights() {
    return bestWeights;
  }

  /** The step of {@link #bestWeights()}, -1 when there are none. */
  long bestStep() {
    return bestStep;
  }

  double[] history() {
    return history.stream().mapToDouble(Double::doubleValue).toArray();
  }

  @Override
  public void close() {
    validation.close();
  }
}
