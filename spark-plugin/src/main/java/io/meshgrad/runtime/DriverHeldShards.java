package io.meshgrad.runtime;

import io.meshgrad.support.ObjectBytes;
import java.util.ArrayList;
import java.util.Collections;
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
final class DriverHeldShards<T> {
  private final List<T> shards;
  /** Each shard's bytes ({@link ObjectBytes}), broadcast: each executor reads them with its own meshgrad classes. */
  private final List<Broadcast<byte[]>> broadcasts = new ArrayList<>();
  private final JavaRDD<T> rdd;

  @SuppressWarnings("unchecked")
  private DriverHeldShards(JavaSparkContext jsc, List<T> shards) {
    this.shards = Collections.unmodifiableList(new ArrayList<>(shards));
    List<Integer> ids = new ArrayList<>();
    for (T shard : shards) {
      ids.add(broadcasts.size());
      broadcasts.add(jsc.broadcast(ObjectBytes.write(shard)));
    }
    List<Broadcast<byte[]>> held = List.copyOf(broadcasts);
    this.rdd = jsc.parallelize(ids, Math.max(1, ids.size()))
        .map(i -> (T) ObjectBytes.readShared(held.get(i).value(), Object.class, "a driver-held shard"));
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
    return shards;
  }

  /** Destroys the broadcasts: the RDD can no longer be computed. */
  public void destroy() {
    broadcasts.forEach(b -> b.destroy());
  }
}
