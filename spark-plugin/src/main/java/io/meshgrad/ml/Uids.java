package io.meshgrad.ml;

/**
 * Makes a stage's uid visible while its Scala superclass is being constructed.
 *
 * <p>Spark's {@code Predictor} and {@code ClassificationModel} create their params
 * ({@code featuresCol}, {@code labelCol}, ...) in their constructors, and a param records {@code
 * parent.uid()} when it is created. A Scala class assigns its {@code uid} constructor field before
 * calling the superclass constructor; Java cannot, so a Java stage's {@code uid()} would return
 * {@code null} there and those params would belong to no one ({@code set} then fails with "Param
 * null__featuresCol does not belong to ..."). The stages therefore construct through {@code
 * this(Uids.stage(uid), ...)}: the uid is parked in a thread-local before the superclass runs,
 * {@code uid()} answers from it until the field is set, and {@link #take} clears it.
 */
final class Uids {
  private static final ThreadLocal<String> PENDING = new ThreadLocal<>();

  private Uids() {}

  /** Parks {@code uid} for the constructor about to run on this thread and returns it. */
  static String stage(String uid) {
    if (uid == null || uid.isEmpty()) {
      throw new IllegalArgumentException("uid must be a non-empty string, got " + (uid == null ? "null" : "''"));
    }
    PENDING.set(uid);
    return uid;
  }

  /** The uid parked for the constructor running on this thread. */
  static String pending() {
    return PENDING.get();
  }

  /** Clears the parked uid once the stage has its field; returns {@code uid}. */
  static String take(String uid) {
    PENDING.remove();
    return uid;
  }
}
