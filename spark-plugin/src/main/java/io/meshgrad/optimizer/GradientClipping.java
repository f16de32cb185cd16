package io.meshgrad.optimizer;

import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.Tensor;
import java.io.Serializable;

/**
 * Keras' {@code _clip_gradients}, split in two phases so that it also works on gradients whose
 * shards live on different machines: first every variable's sum of squares (only for
 * {@code clipnorm}/{@code global_clipnorm}), then one element-wise {@link Transform} per
 * variable, which each shard applies to its own part.
 *
 * <p>Formulas (TensorFlow's {@code clip_ops}, in the gradient's dtype):
 * <ul>
 *   <li>clipnorm {@code c}: {@code (g * c) / max(||g||, c)} per tensor; the multiply and divide
 *       happen even when no clipping is needed, as in TF;</li>
 *   <li>global_clipnorm {@code c}: {@code g * (c * min(1/N, 1/c) + (N - N))} with {@code N} the
 *       global norm, so any NaN or infinity anywhere makes every gradient NaN;</li>
 *   <li>clipvalue {@code c}: {@code max(min(g, c), -c)} element-wise.</li>
 * </ul>
 * Sparse gradients are clipped on their rows as given, before duplicate indices are summed.
 */
public final class GradientClipping implements Serializable {
  private static final long serialVersionUID = 1L;

  private enum Mode { NONE, NORM, GLOBAL_NORM, VALUE }

  private final Mode mode;
  private final double threshold;

  private GradientClipping(Mode mode, double threshold) {
    this.mode = mode;
    this.threshold = threshold;
  }

  /** Keras' precedence: a positive clipnorm, else a positive global_clipnorm, else a positive clipvalue. */
  static GradientClipping of(Double clipnorm, Double globalClipnorm, Double clipvalue) {
    if (clipnorm != null && clipnorm > 0) {
      return new GradientClipping(Mode.NORM, clipnorm);
    }
    if (globalClipnorm != null && globalClipnorm > 0) {
      return new GradientClipping(Mode.GLOBAL_NORM, globalClipnorm);
    }
    if (clipvalue != null && clipvalue > 0) {
      return new GradientClipping(Mode.VALUE, clipvalue);
    }
    return new GradientClipping(Mode.NONE, 0);
  }

  /** Whether {@link #transforms} needs each variable's sum of squares. */
  public boolean needsNorms() {
    return mode == Mode.NORM || mode == Mode.GLOBAL_NORM;
  }

  /**
   * Whether clipping changes gradients with these unclipped per-variable norms and largest
   * element (clipnorm: some norm above the threshold; global_clipnorm: the global norm above it;
   * clipvalue: the largest element above it). For metrics only.
   */
  public boolean wouldClip(double[] variableNorms, double maxAbs) {
    double global = 0;
    double largest = 0;
    for (double n : variableNorms) {
      global += n * n;
      largest = Math.max(largest, n);
    }
    return switch (mode) {
      case NONE -> false;
      case NORM -> largest > threshold;
      case GLOBAL_NORM -> Math.sqrt(global) > threshold;
      case VALUE -> maxAbs > threshold;
    };
  }

  /** Sum of squares of a gradient's stored values (rows as given for sparse gradients). */
  public static double sumOfSquares(Gradient gradient) {
    Tensor v = gradient.values();
    double sum = 0;
    if (v.dtype() == DType.FLOAT32) {
      for (float x : v.floats()) {
        sum += (double) x * x;
      }
    } else {
      for (double x : v.doubles()) {
        sum += x * x;
      }
    }
    return sum;
  }

  /**
   * The element-wise transform of each variable's gradient.
   *
   * @param dtypes each gradient's dtype
   * @param sumsOfSquares each gradient's sum of squares (ignored unless {@link #needsNorms()})
   */
  public Transform[] transforms(DType[] dtypes, double[] sumsOfSquares) {
    Transform[] out = new Transform[dtypes.length];
    double total = 0;
    if (mode == Mode.GLOBAL_NORM) {
      for (double s : sumsOfSquares) {
        total += s;
      }
    }
    for (int i = 0; i < out.length; i++) {
      DType dt = dtypes[i];
      double c = dt.round(threshold);
      out[i] = switch (mode) {
        case NONE -> Transform.IDENTITY;
        case VALUE -> new Transform(Transform.Kind.VALUE, c, 0);
        case NORM -> {
          double l2sum = dt.round(sumsOfSquares[i]);
          double l2norm = l2sum > 0 ? dt.round(Math.sqrt(l2sum)) : l2sum;
          yield new Transform(Transform.Kind.NORM, c, Math.max(l2norm, c));
        }
        case GLOBAL_NORM -> new Transform(Transform.Kind.SCALE, globalScale(dt, dt.round(Math.sqrt(total)), c), 0);
      };
    }
    return out;
  }

  /** {@code c * min(1/N, 1/c) + (N - N)}, every operation rounded to the dtype. */
  private static double globalScale(DType dt, double norm, double c) {
    if (dt == DType.FLOAT32) {
      float n = (float) norm;
      float cf = (float) c;
      return cf * Math.min(1f / n, 1f / cf) + (n - n);
    }
    return c * Math.min(1.0 / norm, 1.0 / c) + (norm - norm);
  }

  /** The clipping of one variable's gradient (or of a shard of it), element by element. */
  public record Transform(Kind kind, double a, double b) implements Serializable {
    /** No clipping. */
    public static final Transform IDENTITY = new Transform(Kind.IDENTITY, 0, 0);

    /** IDENTITY; NORM: {@code (g*a)/b}; SCALE: {@code g*a}; VALUE: {@code max(min(g, a), -a)}. */
    public enum Kind { IDENTITY, NORM, SCALE, VALUE }

    /** The clipped gradient, new arrays; the input is not modified. */
    public Gradient apply(Gradient gradient) {
      if (kind == Kind.IDENTITY) {
        return gradient;
      }
      Tensor in = gradient.values();
      Tensor out;
      if (in.dtype() == DType.FLOAT32) {
        float[] x = in.floats();
        float[] y = new float[x.length];
        float fa = (float) a;
        float fb = (float) b;
        switch (kind) {
          case NORM -> { for (int i = 0; i < x.length; i++) { y[i] = (x[i] * fa) / fb; } }
          case SCALE -> { for (int i = 0; i < x.length; i++) { y[i] = x[i] * fa; } }
          default -> { for (int i = 0; i < x.length; i++) { y[i] = Math.max(Math.min(x[i], fa), -fa); } }
        }
        out = Tensor.of(y, in.shape());
      } else {
        double[] x = in.doubles();
        double[] y = new double[x.length];
        switch (kind) {
          case NORM -> { for (int i = 0; i < x.length; i++) { y[i] = (x[i] * a) / b; } }
          case SCALE -> { for (int i = 0; i < x.length; i++) { y[i] = x[i] * a; } }
          default -> { for (int i = 0; i < x.length; i++) { y[i] = Math.max(Math.min(x[i], a), -a); } }
        }
        out = Tensor.of(y, in.shape());
      }
      return gradient.withValues(out);
    }
  }
}
