package io.meshgrad.runtime;

import io.meshgrad.support.ObjectBytes;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.rdd.RDD;
import scala.collection.Iterator;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;
import scala.reflect.ClassTag;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * The per-step transformations and job of a training step, with functions that are plain Java
 * classes. {@code JavaRDD.map} and {@code collect} wrap their functions in Scala closures, and
 * Spark's {@code ClosureCleaner} re-reads the class file of every Scala closure with ASM on every
 * call: about a quarter of the driver's CPU in a small model's step (profiles in
 * docs/performance/history.md).
 * It leaves plain classes alone, so these calls do the same work without that pass. Only the
 * public RDD and SparkContext API is used.
 */
public final class StepJobs {
  private StepJobs() {}

  /** A function of one partition's index and elements. */
  public interface PartitionFunction<T, U> extends Serializable {
    java.util.Iterator<U> call(int partition, java.util.Iterator<T> elements) throws Exception;
  }

  /** A function of the elements of the same partition of two RDDs. */
  public interface ZipFunction<A, B, U> extends Serializable {
    java.util.Iterator<U> call(java.util.Iterator<A> a, java.util.Iterator<B> b) throws Exception;
  }

  /** {@code rdd.map(f)}, keeping the partitioning. */
  public static <T, U> JavaRDD<U> map(JavaRDD<T> rdd, Function<T, U> f) {
    ClassTag<U> tag = anyRef();
    return JavaRDD.fromRDD(rdd.rdd().mapPartitions(new MapEach<>(f), true, tag), tag);
  }

  /** {@code rdd.mapPartitionsWithIndex(f, preservesPartitioning)}. */
  public static <T, U> JavaRDD<U> mapPartitionsWithIndex(JavaRDD<T> rdd, PartitionFunction<T, U> f,
      boolean preservesPartitioning) {
    ClassTag<U> tag = anyRef();
    return JavaRDD.fromRDD(rdd.rdd().mapPartitionsWithIndex(new WithIndex<>(f), preservesPartitioning, tag), tag);
  }

  /** {@code a.zipPartitions(b, f)}: both must have the same number of partitions. */
  public static <A, B, U> JavaRDD<U> zipPartitions(JavaRDD<A> a, JavaRDD<B> b, ZipFunction<A, B, U> f) {
    ClassTag<U> tag = anyRef();
    return JavaRDD.fromRDD(a.rdd().zipPartitions(b.rdd(), false, new Zip<>(f), StepJobs.<B>anyRef(), tag), tag);
  }

  /**
   * {@code rdd.collect()}: the elements of all partitions, in partition order. Each task returns its
   * partition's elements as bytes ({@link ObjectBytes}), read here in the calling thread: the
   * elements may be of meshgrad's classes, which Spark's own result threads cannot load where a
   * Spark Connect session shipped meshgrad's jar ({@code addArtifacts}).
   */
  public static <T> List<T> collect(JavaRDD<T> rdd) {
    int[] partitions = new int[rdd.getNumPartitions()];
    for (int p = 0; p < partitions.length; p++) {
      partitions[p] = p;
    }
    List<T> all = new ArrayList<>();
    for (List<T> part : collectPartitions(rdd, partitions)) {
      all.addAll(part);
    }
    return all;
  }

  /**
   * {@code rdd.collectPartitions(partitions)}: the elements of each partition named, in the order
   * named; as bytes, as {@link #collect}.
   */
  public static <T> List<List<T>> collectPartitions(JavaRDD<T> rdd, int[] partitions) {
    RDD<T> r = rdd.rdd();
    List<Object> ids = new ArrayList<>();
    for (int p : partitions) {
      ids.add(p);
    }
    byte[][] parts = new byte[partitions.length][];
    Seq<Object> which = CollectionConverters.asScala(ids).toSeq();
    // the handler gets each result's position in `which`
    r.context().runJob(r, new ElementsOf<T>(), which, new Keep(parts), StepJobs.<byte[]>anyRef());
    List<List<T>> all = new ArrayList<>();
    for (byte[] part : parts) {
      @SuppressWarnings("unchecked")
      List<T> elements = ObjectBytes.read(part, ArrayList.class, "a task's result");
      all.add(elements);
    }
    return all;
  }

  @SuppressWarnings("unchecked")
  private static <U> ClassTag<U> anyRef() {
    return (ClassTag<U>) ClassTag$.MODULE$.AnyRef();
  }

  private static final class MapEach<T, U> extends AbstractFunction1<Iterator<T>, Iterator<U>> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Function<T, U> f;

    MapEach(Function<T, U> f) {
      this.f = f;
    }

    @Override
    public Iterator<U> apply(Iterator<T> it) {
      List<U> out = new ArrayList<>();
      try {
        while (it.hasNext()) {
          out.add(f.call(it.next()));
        }
      } catch (Exception e) {
        throw rethrow(e);
      }
      return CollectionConverters.asScala(out.iterator());
    }
  }

  private static RuntimeException rethrow(Exception e) {
    return e instanceof RuntimeException r ? r : new IllegalStateException(e);
  }

  private static final class WithIndex<T, U> extends AbstractFunction2<Object, Iterator<T>, Iterator<U>>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final PartitionFunction<T, U> f;

    WithIndex(PartitionFunction<T, U> f) {
      this.f = f;
    }

    @Override
    public Iterator<U> apply(Object partition, Iterator<T> it) {
      try {
        return CollectionConverters.asScala(f.call((Integer) partition, CollectionConverters.asJava(it)));
      } catch (Exception e) {
        throw rethrow(e);
      }
    }
  }

  private static final class Zip<A, B, U> extends AbstractFunction2<Iterator<A>, Iterator<B>, Iterator<U>>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final ZipFunction<A, B, U> f;

    Zip(ZipFunction<A, B, U> f) {
      this.f = f;
    }

    @Override
    public Iterator<U> apply(Iterator<A> a, Iterator<B> b) {
      try {
        return CollectionConverters.asScala(f.call(CollectionConverters.asJava(a), CollectionConverters.asJava(b)));
      } catch (Exception e) {
        throw rethrow(e);
      }
    }
  }

  /** A task's part of {@link #collect}: its partition's elements, serialized. */
  private static final class ElementsOf<T> extends AbstractFunction2<TaskContext, Iterator<T>, byte[]>
      implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public byte[] apply(TaskContext context, Iterator<T> it) {
      ArrayList<T> out = new ArrayList<>();
      while (it.hasNext()) {
        out.add(it.next());
      }
      return ObjectBytes.write(out);
    }
  }

  /** Driver side: stores each task's bytes at its position (results arrive in any order). */
  private static final class Keep extends AbstractFunction2<Object, byte[], BoxedUnit> {
    private final byte[][] parts;

    Keep(byte[][] parts) {
      this.parts = parts;
    }

    @Override
    public BoxedUnit apply(Object position, byte[] elements) {
      parts[(Integer) position] = elements;
      return BoxedUnit.UNIT;
    }
  }
}
