package io.meshgrad.optimizer;

import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Tensor;

/** The base class's element-wise updates, each operation rounded to the tensor's dtype. */
final class ElementwiseKernels {
  private ElementwiseKernels() {}

  /** Decoupled weight decay: {@code v = v - (v*wd)*lr}. */
  static void decay(Tensor value, double wd, double lr) {
    if (value.dtype() == DType.FLOAT32) {
      float[] v = value.floats();
      float w = (float) wd;
      float l = (float) lr;
      for (int i = 0; i < v.length; i++) {
        v[i] = v[i] - (v[i] * w) * l;
      }
    } else {
      double[] v = value.doubles();
      for (int i = 0; i < v.length; i++) {
        v[i] = v[i] - (v[i] * wd) * lr;
      }
    }
  }

  /** EMA: {@code avg = m*avg + oneMinusM*v}, with {@code oneMinusM} computed in double and rounded, as Keras does. */
  static void movingAverage(Tensor average, Tensor value, double m, double oneMinusM) {
    if (value.dtype() == DType.FLOAT32) {
      float[] a = average.floats();
      float[] v = value.floats();
      float fm = (float) m;
      float fo = (float) oneMinusM;
      for (int i = 0; i < a.length; i++) {
        a[i] = fm * a[i] + fo * v[i];
      }
    } else {
      double[] a = average.doubles();
      double[] v = value.doubles();
      for (int i = 0; i < a.length; i++) {
        a[i] = m * a[i] + oneMinusM * v[i];
      }
    }
  }
}
