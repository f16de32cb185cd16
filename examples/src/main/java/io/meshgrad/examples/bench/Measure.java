package io.meshgrad.examples.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Repetitions with peer and meshgrad alternating, and medians. */
final class Measure {
  private Measure() {}

  /** One repetition of one side: runs it and returns the value to record (e.g. ms per step). */
  @FunctionalInterface
  interface Rep {
    double run() throws Exception;
  }

  /** The recorded values of both sides, warm-up excluded. */
  record Samples(List<Double> meshgrad, List<Double> peer) {
    double meshgradMedian() {
      return median(meshgrad);
    }

    double peerMedian() {
      return median(peer);
    }
  }

  /**
   * Runs {@code warmup + reps} rounds; each round runs both sides, the peer first in even rounds
   * and meshgrad first in odd ones (so neither always runs right after the other's garbage). Warm-up
   * rounds are not recorded. A side left out by {@code --only} records NaN.
   */
  static Samples alternate(BenchContext ctx, String label, int warmup, int reps, Rep peerRep, Rep meshgradRep)
      throws Exception {
    Rep peer = ctx.runs("peer") ? () -> BenchRegion.time("peer", label, peerRep) : () -> Double.NaN;
    Rep meshgrad = ctx.runs("meshgrad") ? () -> BenchRegion.time("meshgrad", label, meshgradRep) : () -> Double.NaN;
    List<Double> m = new ArrayList<>();
    List<Double> p = new ArrayList<>();
    for (int round = 0; round < warmup + reps; round++) {
      boolean record = round >= warmup;
      double pv;
      double mv;
      if (round % 2 == 0) {
        pv = peer.run();
        mv = meshgrad.run();
      } else {
        mv = meshgrad.run();
        pv = peer.run();
      }
      if (record) {
        m.add(mv);
        p.add(pv);
      }
      ctx.log("%s: %s %d/%d  meshgrad %s  peer %s", label, record ? "rep" : "warm-up",
          record ? round - warmup + 1 : round + 1, record ? reps : warmup, fmt(mv), fmt(pv));
    }
    return new Samples(m, p);
  }

  static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  static double millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e6;
  }

  /** Four significant digits, for tables and logs. */
  static String fmt(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return String.valueOf(v);
    }
    double a = Math.abs(v);
    if (a >= 1e5 || (a > 0 && a < 1e-3)) {
      return String.format("%.3e", v);
    }
    if (a >= 1000) {
      return String.format("%.0f", v);
    }
    if (a >= 100) {
      return String.format("%.1f", v);
    }
    if (a >= 10) {
      return String.format("%.2f", v);
    }
    return String.format("%.3f", v);
  }

  /** Values rounded to 4 significant digits, for JSON sample lists. */
  static List<Double> rounded(List<Double> values) {
    return values.stream().map(Measure::round4).toList();
  }

  static double round4(double v) {
    if (v == 0 || Double.isNaN(v) || Double.isInfinite(v)) {
      return v;
    }
    return new java.math.BigDecimal(v).round(new java.math.MathContext(4)).doubleValue();
  }
}
