package io.meshgrad.hygiene;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.BroadcastBlockId;
import scala.Option;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;

/**
 * What a session holds, for leak checks: cached RDDs, broadcast blocks, threads. Reads Spark
 * internals (the block manager), which only test code may do.
 */
final class Leftovers {
  private Leftovers() {}

  /** Ids of the RDDs cached in the session. */
  static Set<Integer> cachedRdds(SparkSession spark) {
    Set<Integer> ids = new TreeSet<>();
    spark.sparkContext().getPersistentRDDs().keySet().foreach(i -> ids.add((Integer) i));
    return ids;
  }

  /** Broadcast blocks (values and pieces) known to every block manager of the session. */
  static int broadcastBlocks() {
    return SparkEnv.get().blockManager().master()
        .getMatchingBlockIds(id -> id instanceof BroadcastBlockId, true).size();
  }

  /**
   * The broadcasts alive on the driver whose value is meshgrad's (weights {@code double[][]} or
   * an {@code io.meshgrad} object such as a batch plan), described as {@code id:class}. Spark's
   * own broadcasts (task binaries, Hadoop configurations) are left out: the ContextCleaner
   * removes those once unreachable, whereas a broadcast meshgrad forgets to destroy stays until
   * a GC happens to collect it.
   */
  static List<String> meshgradBroadcasts() {
    BlockManager bm = SparkEnv.get().blockManager();
    List<String> out = new ArrayList<>();
    for (BlockId id : CollectionConverters.asJava(bm.getMatchingBlockIds(
        b -> b instanceof BroadcastBlockId bb && bb.field().isEmpty()))) {
      Object value;
      try {
        Option<Iterator<Object>> values = bm.memoryStore().getValues(id);
        if (values.isEmpty() || !values.get().hasNext()) {
          continue;
        }
        value = values.get().next();
      } catch (IllegalArgumentException e) {
        continue; // stored serialized: not one of ours (the driver keeps values deserialized)
      }
      if (value instanceof double[][] || value.getClass().getName().startsWith("io.meshgrad.")) {
        out.add(id.name() + ":" + value.getClass().getSimpleName());
      }
    }
    return out;
  }

  /**
   * {@link #meshgradBroadcasts()}, once it is empty or after {@code timeout}: {@code
   * Broadcast.destroy()} removes the blocks asynchronously. No GC is requested meanwhile, so a
   * broadcast that was never destroyed is still seen (unless a GC happens to collect it).
   */
  static List<String> meshgradBroadcastsAfter(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> left = meshgradBroadcasts();
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
      left = meshgradBroadcasts();
    }
    return left;
  }

  /** Runs the GC until the broadcast block count is at most {@code atMost} or {@code timeout} passes; returns the count. */
  static int broadcastBlocksAfterGc(int atMost, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int n = broadcastBlocks();
    while (n > atMost && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(200); // the ContextCleaner works asynchronously
      n = broadcastBlocks();
    }
    return n;
  }

  /** The live non-daemon threads. */
  static Set<Thread> nonDaemonThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && !t.isDaemon())
        .collect(Collectors.toSet());
  }

  static String names(Set<Thread> threads) {
    return threads.stream().map(Thread::getName).sorted().collect(Collectors.joining(", ", "[", "]"));
  }
}
