package io.meshgrad.ml;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Predicate;
import scala.runtime.AbstractFunction1;

/**
 * Param validators whose failures say which param, what is allowed and what was given. Spark's
 * {@code ParamValidators} only return {@code false}, which Spark turns into "parameter x given
 * invalid value y"; these throw {@link IllegalArgumentException} with the full message instead,
 * from every path that sets a param ({@code set}, {@code ParamMap}, {@code fit(df, paramMap)},
 * loading).
 */
final class Validators {
  private Validators() {}

  /** A serializable test (params, and so their validators, are serialized with the stage). */
  @FunctionalInterface
  interface Test<T> extends Predicate<T>, Serializable {}

  /** A serializable parser that throws on invalid input. */
  @FunctionalInterface
  interface Parser extends Consumer<String>, Serializable {}

  /** A validator: {@code test} must hold, else "{param} must be {allowed}, got {value}". */
  static <T> AbstractFunction1<T, Object> check(String param, String allowed, Test<T> test) {
    return new Check<>(param, allowed, test);
  }

  static AbstractFunction1<Object, Object> intAtLeast(String param, int min) {
    return check(param, "an integer >= " + min, v -> ((Integer) v) >= min);
  }

  static AbstractFunction1<Object, Object> finiteAtLeast(String param, double min) {
    return check(param, "a finite number >= " + min, v -> Double.isFinite((Double) v) && (Double) v >= min);
  }

  static AbstractFunction1<Object, Object> finitePositive(String param) {
    return check(param, "a finite number > 0", v -> Double.isFinite((Double) v) && (Double) v > 0);
  }

  static AbstractFunction1<Object, Object> inUnitInterval(String param) {
    return check(param, "a number in [0, 1]", v -> (Double) v >= 0 && (Double) v <= 1);
  }

  /** One of {@code allowed}, compared case-insensitively (as Spark's {@code family} param). */
  static AbstractFunction1<String, Object> oneOf(String param, List<String> allowed) {
    return check(param, "one of " + String.join(", ", allowed),
        v -> v != null && allowed.contains(v.toLowerCase(Locale.ROOT)));
  }

  /** Accepted when {@code parse} does not throw; its message becomes part of the error. */
  static AbstractFunction1<String, Object> parses(String param, String allowed, Parser parse) {
    return new AbstractParse(param, allowed, parse);
  }

  private static final class Check<T> extends AbstractFunction1<T, Object> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String param;
    private final String allowed;
    private final Test<T> test;

    Check(String param, String allowed, Test<T> test) {
      this.param = param;
      this.allowed = allowed;
      this.test = test;
    }

    @Override
    public Object apply(T value) {
      if (value == null || !test.test(value)) {
        throw new IllegalArgumentException(param + " must be " + allowed + ", got " + show(value));
      }
      return Boolean.TRUE;
    }
  }

  private static final class AbstractParse extends AbstractFunction1<String, Object> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String param;
    private final String allowed;
    private final Parser parse;

    AbstractParse(String param, String allowed, Parser parse) {
      this.param = param;
      this.allowed = allowed;
      this.parse = parse;
    }

    @Override
    public Object apply(String value) {
      if (value == null) {
        throw new IllegalArgumentException(param + " must be " + allowed + ", got null");
      }
      try {
        parse.accept(value);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(param + " must be " + allowed + ", got " + show(value) + ": "
            + e.getMessage(), e);
      }
      return Boolean.TRUE;
    }
  }

  static String show(Object value) {
    if (value instanceof int[] ints) {
      return java.util.Arrays.toString(ints);
    }
    return value instanceof String ? "'" + value + "'" : String.valueOf(value);
  }
}
