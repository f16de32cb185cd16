package io.meshgrad.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.SparkTestSession;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/**
 * {@link OrderedTreeSum#sumInProcess}, what every task of the engine computes, is bit for bit the
 * sum the job-per-step path computes with Spark's shuffles for the same partials: the same tree
 * of groups, for counts with and without intermediate levels.
 */
class OrderedTreeSumInProcessTest {
  @Test
  void theSameTreeAsTheSparkSumForEveryCountAndDepth() {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
    SplittableRandom r = new SplittableRandom(5);
    int differsFromLeftToRight = 0;
    for (int n : new int[] {1, 2, 3, 7, 10, 17}) {
      for (int depth : new int[] {1, 2, 3}) {
        List<Double> partials = new ArrayList<>();
        List<Tuple2<Integer, Double>> keyed = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          double x = (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(-8, 9)); // magnitudes that round differently
          partials.add(x);
          keyed.add(new Tuple2<>(i, x));
        }
        JavaPairRDD<Integer, Double> rdd = jsc.parallelizePairs(keyed, Math.min(n, 4));
        double spark = OrderedTreeSum.sum(rdd, n, depth, Double::sum);
        double inProcess = OrderedTreeSum.sumInProcess(partials, depth, Double::sum);
        assertEquals(Double.doubleToRawLongBits(spark), Double.doubleToRawLongBits(inProcess),
            n + " partials, depth " + depth + ": " + spark + " vs " + inProcess);
        double leftToRight = 0;
        for (double x : partials) {
          leftToRight += x;
        }
        differsFromLeftToRight += leftToRight != inProcess ? 1 : 0;
      }
    }
    assertTrue(differsFromLeftToRight > 0, "the inputs must be able to tell one summation order from another");
  }
}
