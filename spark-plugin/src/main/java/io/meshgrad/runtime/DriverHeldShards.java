package io.meshgrad.runtime;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Shards held by the driver as the start of a state RDD's lineage: one broadcast per shard, and an
 * RDD whose partition {@code i} reads broadcast {@code i}. Unlike {@code parallelize}, whose
 * partitions carry their data inside every task of every later stage (a whole model per task
 * until the next lineage cut), the tasks carry only the broadcasts' ids; a lost partition is
 * recomputed by fetching its own shard. {@link #destroy()} once no lineage starts here any more.
 */
public final class DriverHeldShards<T> {
  private final List<Broadcast<T>> broadcasts = new ArrayList<>();
  private final JavaRDD<T> rdd;

  private DriverHeldShards(JavaSparkContext jsc, List<T> shards) {
    List<Integer> ids = new ArrayList<>();
    for (T shard : shards) {
      ids.add(broadcasts.size());
      broadcasts.add(jsc.broadcast(shard));
    }
    List<Broadcast<T>> held = List.copyOf(broadcasts);
    this.rdd = jsc.parallelize(ids, Math.max(1, ids.size())).map(i -> held.get(i).value());
  }

  /** Element {@code i} of {@code shards} in partition {@code i}. */
  public static <T> DriverHeldShards<T> of(JavaSparkContext jsc, List<T> shards) {
    return new DriverHeldShards<>(jsc, shards);
  }

  /** One shard per partition, in the order given (not persisted). */
  public JavaRDD<T> rdd() {
    return rdd;
  }

  /** The shards as the driver holds them (the broadcasts' values), in partition order. */
  public List<T> values() {
    return broadcasts.stream().map(Broadcast::value).toList();
  }

  /** Destroys the broadcasts: the RDD can no longer be computed. */
  public void destroy() {
    broadcasts.forEach(b -> b.destroy());
  }
}
