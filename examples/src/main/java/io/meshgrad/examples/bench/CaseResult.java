package io.meshgrad.examples.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One row of a suite's result: meshgrad's median against its peer's median, in one unit.
 *
 * <p>{@link #ratio()} is always "higher is better for meshgrad": {@code peer / meshgrad} for times
 * (ms per step, seconds), {@code meshgrad / peer} for rates (GB/s, rows/s). {@code targetRatio} is
 * the ratio the product's performance issue asks for, or {@code NaN} when the case only reports.
 */
final class CaseResult {
  private final String name;
  private final double meshgrad;
  private final double peer;
  private final String peerName;
  private final String unit;
  private final boolean higherIsBetter;
  private final double targetRatio;
  private final Map<String, Object> extra = new LinkedHashMap<>();
  private String missReason;

  CaseResult(String name, double meshgrad, double peer, String peerName, String unit, boolean higherIsBetter,
      double targetRatio) {
    this.name = name;
    this.meshgrad = meshgrad;
    this.peer = peer;
    this.peerName = peerName;
    this.unit = unit;
    this.higherIsBetter = higherIsBetter;
    this.targetRatio = targetRatio;
  }

  /** A case measured in time (lower is better): ratio = peer / meshgrad. */
  static CaseResult time(String name, double meshgrad, double peer, String peerName, String unit, double target) {
    return new CaseResult(name, meshgrad, peer, peerName, unit, false, target);
  }

  /** A case measured as a rate (higher is better): ratio = meshgrad / peer. */
  static CaseResult rate(String name, double meshgrad, double peer, String peerName, String unit, double target) {
    return new CaseResult(name, meshgrad, peer, peerName, unit, true, target);
  }

  /** Adds an extra JSON field (numbers, strings, booleans, lists, maps). */
  CaseResult with(String key, Object value) {
    extra.put(key, value);
    return this;
  }

  /** Adds extra JSON fields, in the map's order. */
  CaseResult with(java.util.Map<String, ?> fields) {
    extra.putAll(fields);
    return this;
  }

  String name() {
    return name;
  }

  double meshgrad() {
    return meshgrad;
  }

  double peer() {
    return peer;
  }

  String peerName() {
    return peerName;
  }

  String unit() {
    return unit;
  }

  boolean higherIsBetter() {
    return higherIsBetter;
  }

  double targetRatio() {
    return targetRatio;
  }

  boolean hasTarget() {
    return !Double.isNaN(targetRatio);
  }

  /** Higher is better for meshgrad (see the class comment). */
  double ratio() {
    return higherIsBetter ? meshgrad / peer : peer / meshgrad;
  }

  /** Whether the target is met; {@code null} when there is none. */
  Boolean met() {
    if (!hasTarget() || (missReason == null && Double.isNaN(ratio()))) {
      return null; // no target, or a side not measured (--only)
    }
    return missReason == null && ratio() >= targetRatio;
  }

  /**
   * Adds what Spark saw during one side's last timed repetition, per step: {@code <side>JobsPerStep},
   * {@code <side>JobMsPerStep} (wall time inside jobs; the rest of a step is driver time between
   * jobs), {@code <side>TaskRunMsPerStep} (summed over the tasks, which run in parallel), and the
   * bytes broadcast, returned to the driver and shuffled.
   */
  CaseResult withSpark(String side, SparkBytes.Snapshot s, double steps) {
    if (s == null || steps <= 0) {
      return this;
    }
    with(side + "JobsPerStep", Measure.round4(s.jobs() / steps));
    with(side + "JobMsPerStep", Measure.round4(s.jobMillis() / steps));
    with(side + "TaskRunMsPerStep", Measure.round4(s.taskRunMillis() / steps));
    with(side + "BroadcastBytesPerStep", Math.round(s.broadcastBytes() / steps));
    with(side + "ResultBytesPerStep", Math.round(s.resultBytes() / steps));
    with(side + "ShuffleBytesPerStep", Math.round(s.shuffleBytes() / steps));
    return this;
  }

  /** Marks the target missed whatever the ratio (e.g. meshgrad never reached the accuracy). */
  CaseResult missed(String reason) {
    this.missReason = reason;
    extra.put("missReason", reason);
    return this;
  }

  /** Why this case was not run (the engine refused the model), or {@code null} for a measured case. */
  String notSupported() {
    Object why = extra.get("notSupported");
    return why == null ? null : why.toString();
  }

  Map<String, Object> extra() {
    return extra;
  }
}
