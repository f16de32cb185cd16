package io.meshgrad.train;

import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.optimizer.Variable;
import io.meshgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Reading, restoring and copying the values of a fit's variables on the driver. */
final class VariableValues {
  private VariableValues() {}

  static Tensor[] readAll(List<Variable> vars) {
    Tensor[] out = new Tensor[vars.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = vars.get(i).read();
    }
    return out;
  }

  static void assignAll(List<Variable> vars, Tensor[] values) {
    for (int i = 0; i < values.length; i++) {
      vars.get(i).assign(values[i]);
    }
  }

  /**
   * The weights a model would get if training stopped now: the EMA averages when the optimizer
   * keeps them, else the variables' values.
   */
  static Tensor[] modelWeights(Optimizer optimizer, List<Variable> vars) {
    Tensor[] out = new Tensor[vars.size()];
    for (int i = 0; i < out.length; i++) {
      Variable average = optimizer.useEma() ? optimizer.slot(vars.get(i), "average") : null;
      out[i] = average != null ? average.read() : vars.get(i).read();
    }
    return out;
  }

  /** In-process variables with the given values and the names of {@code like}. */
  static List<Variable> inProcess(List<Variable> like, Tensor[] values) {
    List<Variable> out = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      out.add(new Variable(like.get(i).name(), values[i]));
    }
    return out;
  }
}
