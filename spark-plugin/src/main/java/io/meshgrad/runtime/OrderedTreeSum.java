package io.meshgrad.runtime;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.api.java.function.Function;
import scala.Tuple2;

/**
 * Sums per-partition partials in a fixed order, so the floating-point result does not depend on
 * which task finishes first (Spark's {@code treeAggregate} and {@code fold} merge in completion
 * order).
 *
 * <p>The partials, keyed by partition index {@code 0 .. n-1}, are merged in a tree of fan-in
 * {@code f = max(2, ceil(n^(1/depth)))}: each level groups indices {@code [g f, (g+1) f)} into
 * group {@code g} with a shuffle and sums each group in index order, for as long as a level
 * reduces the count markedly ({@code count > f + ceil(count / f)}, Spark's own rule); the rest
 * are collected and summed in index order on the driver. A reducer holds at most {@code f}
 * partials and the driver about {@code 2f}; with few partitions it is a single job without a
 * shuffle, like MLlib's {@code treeAggregate}.
 */
public final class OrderedTreeSum {
  private OrderedTreeSum() {}

  /**
   * @param partials one partial per index {@code 0 .. numPartials-1}
   * @param merge adds its second argument into its first and returns the first
   */
  public static <T> T sum(JavaPairRDD<Integer, T> partials, int numPartials, int depth, Function2<T, T, T> merge) {
    int fanIn = fanIn(numPartials, depth);
    return sumLevels(partials, numPartials, fanIn, merge);
  }

  /**
   * As {@link #sum(JavaPairRDD, int, int, Function2)} for partials that carry their own index:
   * with few partials (no intermediate level) the partials are collected as they are, so the step
   * costs one transformation less.
   *
   * @param indexOf the index {@code 0 .. numPartials-1} of a partial
   */
  public static <T> T sum(JavaRDD<T> partials, Function<T, Integer> indexOf, int numPartials, int depth,
      Function2<T, T, T> merge) {
    int fanIn = fanIn(numPartials, depth);
    if (needsLevel(numPartials, fanIn)) {
      return sumLevels(partials.mapToPair(t -> new Tuple2<>(indexOf.call(t), t)), numPartials, fanIn, merge);
    }
    try {
      List<Tuple2<Integer, T>> tagged = new ArrayList<>();
      for (T t : StepJobs.collect(partials)) {
        tagged.add(new Tuple2<>(indexOf.call(t), t));
      }
      return sumInOrder(tagged, merge);
    } catch (Exception e) {
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }
  }

  /**
   * The same sum as {@link #sum(JavaPairRDD, int, int, Function2)} of the same partials, bit for
   * bit, computed in this process: the same tree of groups (fan-in, levels, index order within a
   * group), each level merged here instead of in a shuffle. For a task that holds every partial,
   * e.g. the many-steps-per-job engine, where each task receives its peers' partials directly.
   *
   * @param partials the partial of index {@code i} at position {@code i}
   */
  public static <T> T sumInProcess(List<T> partials, int depth, Function2<T, T, T> merge) {
    int count = partials.size();
    int fanIn = fanIn(count, depth);
    try {
      List<Tuple2<Integer, T>> level = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        level.add(new Tuple2<>(i, partials.get(i)));
      }
      while (needsLevel(count, fanIn)) {
        int groups = (count + fanIn - 1) / fanIn;
        List<List<Tuple2<Integer, T>>> members = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
          members.add(new ArrayList<>());
        }
        for (Tuple2<Integer, T> t : level) {
          members.get(t._1() / fanIn).add(t);
        }
        List<Tuple2<Integer, T>> next = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
          next.add(new Tuple2<>(g, sumInOrder(members.get(g), merge)));
        }
        level = next;
        count = groups;
      }
      return sumInOrder(level, merge);
    } catch (Exception e) {
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }
  }

  /** Whether another level of groups reduces {@code count} partials markedly (Spark's treeAggregate rule). */
  private static boolean needsLevel(int count, int fanIn) {
    return count > fanIn + (count + fanIn - 1) / fanIn;
  }

  private static int fanIn(int numPartials, int depth) {
    if (depth < 1) {
      throw new IllegalArgumentException("depth must be >= 1, got " + depth);
    }
    return Math.max(2, (int) Math.ceil(Math.pow(numPartials, 1.0 / depth)));
  }

  private static <T> T sumLevels(JavaPairRDD<Integer, T> partials, int numPartials, int fanIn, Function2<T, T, T> merge) {
    JavaPairRDD<Integer, T> level = partials;
    int count = numPartials;
    while (needsLevel(count, fanIn)) {
      int groups = (count + fanIn - 1) / fanIn;
      level = level
          .mapToPair(t -> new Tuple2<>(t._1() / fanIn, t))
          .groupByKey(new HashPartitioner(groups))
          .mapValues(group -> sumInOrder(group, merge));
      count = groups;
    }
    try {
      // through StepJobs.collect: the partials may be of meshgrad's classes (see ObjectBytes)
      return sumInOrder(StepJobs.collect(JavaRDD.fromRDD(level.rdd(), level.classTag())), merge);
    } catch (Exception e) {
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }
  }

  /** Merges the partials in ascending index order into the first one. */
  static <T> T sumInOrder(Iterable<Tuple2<Integer, T>> tagged, Function2<T, T, T> merge) throws Exception {
    List<Tuple2<Integer, T>> ordered = new ArrayList<>();
    tagged.forEach(ordered::add);
    ordered.sort(Comparator.comparing(Tuple2::_1));
    T total = ordered.get(0)._2();
    for (int i = 1; i < ordered.size(); i++) {
      total = merge.call(total, ordered.get(i)._2());
    }
    return total;
  }
}
