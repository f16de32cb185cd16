package io.meshgrad.optimizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.support.ConfigReader;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;
import java.util.List;

/**
 * Keras 2.13's Adagrad ({@code tf.keras.optimizers.Adagrad}, also exported as
 * {@code tf.keras.dtensor.experimental.optimizers.Adagrad}).
 *
 * <p>Per variable, with {@code acc} starting at {@code initial_accumulator_value}:
 * <pre>
 *   acc = acc + g * g
 *   v   = v - (lr * g) / sqrt(acc + epsilon)      (epsilon inside the square root, as Keras)
 * </pre>
 * For sparse gradients ({@link IndexedSlices}) only the listed rows of {@code acc} and {@code v}
 * change: {@code v[i] = v[i] + (-lr * g) / sqrt(acc[i] + epsilon)}, which equals the dense
 * formula bit for bit on those rows.
 *
 * <p>Beyond Keras: negative {@code initial_accumulator_value} or {@code epsilon} are rejected
 * (Keras accepts them and produces NaN later). See {@link Optimizer} for the base class's rules.
 *
 * <pre>{@code
 * Adagrad opt = Adagrad.builder().learningRate(0.1).clipnorm(1.0).build();
 * Variable w = new Variable("w", Tensor.of(new float[] {1f, 2f}, 2));
 * opt.applyGradients(List.of(new GradientAndVariable(Tensor.of(new float[] {0.1f, 0.2f}, 2), w)));
 * }</pre>
 */
public final class Adagrad extends Optimizer {
  private static final long serialVersionUID = 1L;

  private final double initialAccumulatorValue;
  private final double epsilon;

  private Adagrad(Builder b) {
    super(b);
    if (!(Double.isFinite(b.initialAccumulatorValue) && b.initialAccumulatorValue >= 0)) {
      throw new IllegalArgumentException(b.nameForErrors() + ": initial_accumulator_value must be a finite number >= 0, got "
          + b.initialAccumulatorValue);
    }
    if (!(Double.isFinite(b.epsilon) && b.epsilon >= 0)) {
      throw new IllegalArgumentException(b.nameForErrors() + ": epsilon must be a finite number >= 0, got " + b.epsilon);
    }
    this.initialAccumulatorValue = b.initialAccumulatorValue;
    this.epsilon = b.epsilon;
  }

  /** Adagrad with all of Keras' defaults (learning rate 0.001, initial accumulator 0.1, epsilon 1e-7). */
  public Adagrad() {
    this(builder());
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Loads a Keras Adagrad config: the {@code get_config()} object, or the
   * {@code {"class_name": "Adagrad", "config": {...}}} form Keras saves.
   *
   * @throws IllegalArgumentException for unknown or deprecated keys and invalid values
   */
  public static Adagrad fromConfig(JsonNode config) {
    ObjectNode c = unwrapConfig(config, "Adagrad");
    Builder b = builder();
    ConfigReader r = b.reader(c);
    b.readBaseConfig(r);
    b.initialAccumulatorValue(r.doubleOr("initial_accumulator_value", 0.1));
    b.epsilon(r.doubleOr("epsilon", 1e-7));
    r.finish();
    return b.build();
  }

  /** Creates one {@code accumulator} slot per variable, filled with {@code initial_accumulator_value}. */
  @Override
  protected void createSlots(List<Variable> varList) {
    for (Variable v : varList) {
      addVariableFromReference(v, "accumulator", SlotInitializer.constant(initialAccumulatorValue));
    }
  }

  @Override
  protected void updateStep(Gradient gradient, Tensor variable, Slots slots, double learningRate) {
    Tensor accumulator = slots.get("accumulator");
    double eps = variable.dtype().round(epsilon);
    if (gradient instanceof IndexedSlices s) {
      sparseUpdate(s, variable, accumulator, learningRate, eps);
    } else if (variable.dtype() == DType.FLOAT32) {
      denseUpdate(gradient.values().floats(), variable.floats(), accumulator.floats(), (float) learningRate, (float) eps);
    } else {
      denseUpdate(gradient.values().doubles(), variable.doubles(), accumulator.doubles(), learningRate, eps);
    }
  }

  private static void denseUpdate(float[] g, float[] v, float[] acc, float lr, float eps) {
    for (int i = 0; i < v.length; i++) {
      acc[i] = acc[i] + g[i] * g[i];
      v[i] = v[i] - (lr * g[i]) / (float) Math.sqrt(acc[i] + eps);
    }
  }

  private static void denseUpdate(double[] g, double[] v, double[] acc, double lr, double eps) {
    for (int i = 0; i < v.length; i++) {
      acc[i] = acc[i] + g[i] * g[i];
      v[i] = v[i] - (lr * g[i]) / Math.sqrt(acc[i] + eps);
    }
  }

  /** The sparse update reads and writes only the gradient's rows of the variable and the accumulator. */
  @Override
  protected boolean sparseUpdateIsRowLocal() {
    return true;
  }

  /** Rows of {@code s} are unique here: the base class summed the duplicates. */
  private static void sparseUpdate(IndexedSlices s, Tensor variable, Tensor accumulator, double lr, double eps) {
    int row = variable.rowLength();
    if (variable.dtype() == DType.FLOAT32) {
      float[] g = s.values().floats();
      float[] v = variable.floats();
      float[] acc = accumulator.floats();
      float negLr = (float) -lr;
      float e = (float) eps;
      for (int r = 0; r < s.numRows(); r++) {
        int base = s.index(r) * row;
        for (int j = 0; j < row; j++) {
          float x = g[r * row + j];
          int i = base + j;
          acc[i] = acc[i] + x * x;
          v[i] = v[i] + (negLr * x) / (float) Math.sqrt(acc[i] + e);
        }
      }
    } else {
      double[] g = s.values().doubles();
      double[] v = variable.doubles();
      double[] acc = accumulator.doubles();
      for (int r = 0; r < s.numRows(); r++) {
        int base = s.index(r) * row;
        for (int j = 0; j < row; j++) {
          double x = g[r * row + j];
          int i = base + j;
          acc[i] = acc[i] + x * x;
          v[i] = v[i] + (-lr * x) / Math.sqrt(acc[i] + eps);
        }
      }
    }
  }

  /** The base keys, then {@code learning_rate}, {@code initial_accumulator_value}, {@code epsilon}. */
  @Override
  public ObjectNode getConfig() {
    ObjectNode c = super.getConfig();
    c.set("learning_rate", serializedLearningRate());
    c.put("initial_accumulator_value", initialAccumulatorValue);
    c.put("epsilon", epsilon);
    return c;
  }

  public double initialAccumulatorValue() {
    return initialAccumulatorValue;
  }

  public double epsilon() {
    return epsilon;
  }

  @Override
  public String toString() {
    return "Adagrad" + getConfig();
  }

  /** Builds an {@link Adagrad} with Keras' defaults for every key not set. */
  public static final class Builder extends Optimizer.Builder<Builder> {
    private double initialAccumulatorValue = 0.1;
    private double epsilon = 1e-7;

    private Builder() {
      super("Adagrad");
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** Starting value of every accumulator (default 0.1), must be >= 0. */
    public Builder initialAccumulatorValue(double initialAccumulatorValue) {
      this.initialAccumulatorValue = initialAccumulatorValue;
      return this;
    }

    /** Added to the accumulator inside the square root (default 1e-7), must be >= 0. */
    public Builder epsilon(double epsilon) {
      this.epsilon = epsilon;
      return this;
    }

    String nameForErrors() {
      return "Adagrad";
    }

    /** @throws IllegalArgumentException naming the first invalid parameter and its allowed range */
    public Adagrad build() {
      return new Adagrad(this);
    }
  }
}
