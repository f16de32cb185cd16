package io.meshgrad.runtime;

import java.io.Serializable;

/**
 * The regularisation term of an objective on one variable: {@code (l2/2) ||w||^2 + l1 ||w||_1}.
 * Its gradient is {@code l2 * w + l1 * sign(w)} with {@code sign(0) = 0}: the subgradient
 * TensorFlow's {@code abs} gives, so that the L1 part is what Keras' {@code L1L2(l1=...)}
 * regularizer adds to a loss. (MLlib's {@code regParam} and {@code elasticNetParam} {@code a}
 * give {@code l2 = (1 - a) regParam}, {@code l1 = a regParam}.) With a subgradient a weight
 * oscillates around zero rather than landing on it: unlike MLlib's OWLQN, Adagrad does not
 * produce exact zeros.
 *
 * <p>Immutable. (A class, not a record: Spark's Kryo serializer cannot rebuild records.)
 */
public final class Penalty implements Serializable {
  private static final long serialVersionUID = 1L;

  /** No regularisation. */
  public static final Penalty NONE = new Penalty(0, 0);

  private final double l2;
  private final double l1;

  private Penalty(double l2, double l1) {
    this.l2 = l2;
    this.l1 = l1;
  }

  /**
   * @param l2 strength of {@code (l2/2) ||w||^2}, finite and {@code >= 0}
   * @param l1 strength of {@code l1 ||w||_1}, finite and {@code >= 0}
   */
  public static Penalty of(double l2, double l1) {
    if (!(Double.isFinite(l2) && l2 >= 0)) {
      throw new IllegalArgumentException("the L2 strength must be a finite number >= 0, got " + l2);
    }
    if (!(Double.isFinite(l1) && l1 >= 0)) {
      throw new IllegalArgumentException("the L1 strength must be a finite number >= 0, got " + l1);
    }
    return l2 == 0 && l1 == 0 ? NONE : new Penalty(l2, l1);
  }

  public double l2() {
    return l2;
  }

  public double l1() {
    return l1;
  }

  /** Whether the term is zero for every weight. */
  public boolean isZero() {
    return l2 == 0 && l1 == 0;
  }

  /** The term's (sub)gradient at weight {@code w}: {@code l2 * w + l1 * sign(w)}. */
  public double gradient(double w) {
    if (l1 == 0) {
      return l2 * w;
    }
    return l2 * w + (w > 0 ? l1 : w < 0 ? -l1 : 0);
  }

  /** The term's value for weights whose squares sum to {@code squares} and absolute values to {@code absSum}. */
  public double value(double squares, double absSum) {
    return l2 / 2 * squares + (l1 == 0 ? 0 : l1 * absSum);
  }

  @Override
  public String toString() {
    return "Penalty(l2=" + l2 + ", l1=" + l1 + ")";
  }
}
