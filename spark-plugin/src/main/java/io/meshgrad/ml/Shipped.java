package io.meshgrad.ml;

import io.meshgrad.support.ObjectBytes;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * A fitted model's weights as its predictions carry them to the executors. Spark's {@code
 * transform} runs the model's {@code predict}/{@code predictRaw} in a UDF whose closure holds the
 * model, so without this every task would carry every weight (for a wide model, Spark's "task of
 * very large size" warnings). Once {@link #broadcastIn} has run, Java serialization writes only a
 * broadcast handle in place of the value, and a deserialized copy (a task's) reads the value from
 * the broadcast: the weights travel once per executor, as a fit ships its weights.
 *
 * <p>Before any broadcast, or after its SparkContext stopped, the value itself is serialized, so a
 * model stays an ordinary serializable object.
 *
 * <p>The broadcast is released when the model is no longer reachable (Spark's {@code
 * ContextCleaner} removes a broadcast whose handle was garbage collected), not at a point of
 * its own: {@code transform} returns a lazy DataFrame that may be evaluated at any later time,
 * cached, or derived from, so no point in the model's life says that its transforms are done.
 * There is one broadcast per model and running context, which all its transforms share.
 *
 * @param <T> the weights' type
 */
final class Shipped<T extends Serializable> implements Serializable {
  private static final long serialVersionUID = 1L;

  private transient T value;
  /** The value's bytes ({@link ObjectBytes}), broadcast: each executor reads them with its own meshgrad classes. */
  private transient Broadcast<byte[]> broadcast;
  private transient SparkContext context;

  Shipped(T value) {
    if (value == null) {
      throw new IllegalArgumentException("the model's weights must not be null");
    }
    this.value = value;
  }

  /** The weights. */
  T get() {
    return value;
  }

  /**
   * Broadcasts the weights in {@code spark}'s context unless they already are (there, and that
   * context is running); call it on the driver before Spark serializes a closure that holds them.
   */
  synchronized void broadcastIn(SparkSession spark) {
    SparkContext sc = spark.sparkContext();
    if (broadcast != null && context == sc && !sc.isStopped()) {
      return;
    }
    broadcast = JavaSparkContext.fromSparkContext(sc).broadcast(ObjectBytes.write(value));
    context = sc;
  }

  /** The broadcast that serialization writes in place of the value, or null for the value itself. */
  private synchronized Broadcast<byte[]> live() {
    return broadcast != null && !context.isStopped() ? broadcast : null;
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    Broadcast<byte[]> b = live();
    out.writeObject(b);
    out.writeObject(b == null ? value : null);
  }

  @SuppressWarnings("unchecked")
  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    Broadcast<byte[]> b = (Broadcast<byte[]>) in.readObject();
    T v = (T) in.readObject();
    value = b != null ? (T) ObjectBytes.readShared(b.value(), Serializable.class, "a model's weights") : v;
  }
}
