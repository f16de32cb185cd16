package io.meshgrad.train;

import io.meshgrad.loss.GradientSum;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import scala.Tuple2;

/**
 * Sums per-partition partials in a fixed order, so the floating-point result does not depend on
 * which task finishes first (Spark's {@code treeAggregate} and {@code fold} merge in completion
 * order).
 *
 * <p>The partials, keyed by partition index {@code 0 .. n-1}, are merged in a tree of fan-in
 * {@code f = max(2, ceil(n^(1/depth)))}: each level groups indices {@code [g f, (g+1) f)} into
 * group {@code g} with a shuffle and sums each group in index order; once at most {@code f}
 * partials are left they are collected and summed in index order on the driver. A reducer and the
 * driver thus hold at most {@code f} partials at once; {@code depth = 1} collects all {@code n}.
 */
final class OrderedTreeSum {
  private OrderedTreeSum() {}

  static GradientSum sum(JavaPairRDD<Integer, GradientSum> partials, int numPartials, int depth) {
    if (depth < 1) {
      throw new IllegalArgumentException("depth must be >= 1, got " + depth);
    }
    int fanIn = Math.max(2, (int) Math.ceil(Math.pow(numPartials, 1.0 / depth)));
    JavaPairRDD<Integer, GradientSum> level = partials;
    int count = numPartials;
    while (count > fanIn) {
      int groups = (count + fanIn - 1) / fanIn;
      level =
          level
              .mapToPair(t -> new Tuple2<>(t._1() / fanIn, t))
              .groupByKey(new HashPartitioner(groups))
              .mapValues(OrderedTreeSum::sumInOrder);
      count = groups;
    }
    return sumInOrder(level.collect());
  }

  /** Merges the partials in ascending index order into the first one (which is modified). */
  static GradientSum sumInOrder(Iterable<Tuple2<Integer, GradientSum>> tagged) {
    List<Tuple2<Integer, GradientSum>> ordered = new ArrayList<>();
    tagged.forEach(ordered::add);
    ordered.sort(Comparator.comparing(Tuple2::_1));
    GradientSum total = ordered.get(0)._2();
    for (int i = 1; i < ordered.size(); i++) {
      total.merge(ordered.get(i)._2());
    }
    return total;
  }
}
