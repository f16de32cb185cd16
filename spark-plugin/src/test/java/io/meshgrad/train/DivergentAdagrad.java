package io.meshgrad.train;

import io.meshgrad.AdagradTestDouble;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.TaskContext;

/**
 * Keras' Adagrad ({@link AdagradTestDouble}) whose update, in the engine's barrier task
 * of one rank, flips the lowest bit of one element it just changed (the first element of the
 * gradient's first row; never a one-element variable such as a bias, which every step changes
 * whole): a test double that makes that rank's replicas differ from the others'
 * in a row the job changed, which the engine's end-of-job check must see. Elsewhere (the driver,
 * tasks that are not barrier tasks) it is Adagrad.
 */
final class DivergentAdagrad extends AdagradTestDouble {
  private static final long serialVersionUID = 1L;

  private final int rank;

  /** Adagrad with learning rate {@code learningRate} whose replicas on rank {@code rank} diverge. */
  DivergentAdagrad(double learningRate, int rank) {
    super(b -> b.learningRate(learningRate));
    this.rank = rank;
  }

  @Override
  protected void afterUpdate(Gradient gradient, Tensor variable) {
    TaskContext task = TaskContext.get();
    if (!(task instanceof BarrierTaskContext) || task.partitionId() != rank) {
      return;
    }
    int k = gradient instanceof IndexedSlices s ? (s.numRows() == 0 ? -1 : s.index(0) * variable.rowLength()) : 0;
    if (k < 0 || k >= variable.size() || variable.size() == 1) { // not a one-element bias: the weights' rows
      return;
    }
    if (variable.dtype() == DType.FLOAT64) {
      variable.doubles()[k] = Double.longBitsToDouble(Double.doubleToRawLongBits(variable.doubles()[k]) ^ 1L);
    } else {
      variable.floats()[k] = Float.intBitsToFloat(Float.floatToRawIntBits(variable.floats()[k]) ^ 1);
    }
  }
}
