package io.meshgrad.runtime.engine;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.BarrierTaskInfo;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * One Spark job in barrier mode whose tasks talk to each other directly: Spark launches every
 * partition's task at once ({@code rdd.barrier().mapPartitions}); each task opens a {@link
 * MeshTransport} endpoint on its executor's host, registers once with a rendezvous on the driver
 * (whose address rides in the closure, as XGBoost's tracker does; no {@code
 * BarrierTaskContext.barrier()/allGather}, which cost about a second a call), connects to its
 * peers, runs the {@link Body}, and closes the endpoint whatever happens. The driver closes the
 * rendezvous when the job ends. Ranks are partition ids.
 *
 * <p>A failed task fails the whole barrier stage, and Spark does not retry a barrier result
 * stage: the caller resubmits the job (with a new {@code jobAttempt}, which every message and
 * registration carries, so that anything left of the old attempt is refused).
 *
 * <p>The jobs of a fit ({@link MeshTransport.Fit}) keep their endpoints: each task leases its
 * rank's endpoint of the fit on its executor ({@link MeshTransport#lease}: its server, event loops
 * and connections, made by the fit's first job there), registers it with the job's rendezvous (a
 * group of the fit's one listener on the driver) and gives it back when it ends, to be closed when
 * the task failed, else kept until the fit's close or its idle timeout.
 */
final class BarrierJob {
  private BarrierJob() {}

  /** What a task does once connected to its peers. */
  public interface Body<T, U> extends Serializable {
    /**
     * @param rows the partition's elements
     * @param transport this task's endpoint, connected to every other rank
     * @return the task's result (one per partition)
     */
    U run(java.util.Iterator<T> rows, MeshTransport transport, int numRanks) throws Exception;
  }

  /**
   * Runs {@code body} on every partition of {@code rdd} at once and returns the results in
   * partition order.
   *
   * @param driverHost the address the driver's rendezvous listens on ({@code spark.driver.host})
   * @param jobAttempt the caller's attempt number of this job (0, 1, ... when it resubmits)
   */
  public static <T, U> List<U> run(JavaRDD<T> rdd, MeshTransport.Settings settings, String driverHost,
      long jobAttempt, Body<T, U> body) {
    int n = rdd.getNumPartitions();
    try (Rendezvous rendezvous = MeshTransport.rendezvous(settings, driverHost, n, tag(jobAttempt, 0))) {
      return collect(rdd, settings, rendezvous, body);
    }
  }

  /**
   * {@link #run} as a job of {@code fit}: the tasks use their ranks' endpoints of the fit, kept
   * from its earlier jobs on their executors (or made now), and keep them for its later jobs.
   *
   * @param jobAttempt the caller's attempt number of this job (0, 1, ... when it resubmits)
   */
  public static <T, U> List<U> run(JavaRDD<T> rdd, MeshTransport.Fit fit, long jobAttempt, Body<T, U> body) {
    try (Rendezvous rendezvous = rendezvous(fit, rdd.getNumPartitions(), jobAttempt)) {
      return collect(rdd, fit.settings(), rendezvous, body);
    }
  }

  /**
   * The rendezvous of attempt {@code jobAttempt} of a new job of {@code ranks} tasks of {@code
   * fit} (for {@link #stage}); its messages carry the job's number in the fit, so that no
   * message of another job of the fit is taken.
   */
  public static Rendezvous rendezvous(MeshTransport.Fit fit, int ranks, long jobAttempt) {
    return fit.rendezvous(ranks, tag(fit.nextJob(jobAttempt), 0));
  }

  private static <T, U> List<U> collect(JavaRDD<T> rdd, MeshTransport.Settings settings,
      Rendezvous rendezvous, Body<T, U> body) {
    ClassTag<U> tag = anyRef();
    RDD<U> out = rdd.rdd().barrier().mapPartitions(new Task<T, U>(settings, rendezvous, rdd.getNumPartitions(), body,
        false), false, tag);
    return io.meshgrad.runtime.StepJobs.collect(JavaRDD.fromRDD(out, tag));
  }

  /** The attempt every message of a job carries: the job attempt and the stage attempt. */
  static long tag(long jobAttempt, int stageAttempt) {
    return (jobAttempt << 16) | stageAttempt;
  }

  @SuppressWarnings("unchecked")
  private static <U> ClassTag<U> anyRef() {
    return (ClassTag<U>) ClassTag$.MODULE$.AnyRef();
  }

  /** The host part of a barrier task's address ({@code host} or {@code host:port}). */
  static String hostOf(String address) {
    int colon = address.lastIndexOf(':');
    return colon > 0 && address.indexOf(':') == colon ? address.substring(0, colon) : address;
  }

  /**
   * The barrier stage of {@link #run}, not run yet: an RDD whose partition {@code p} holds the
   * elements that {@code body} returns in the task of partition {@code p}. A shuffle that follows
   * it makes the barrier stage a shuffle map stage, which Spark retries as a whole when a task
   * fails (up to {@code spark.stage.maxConsecutiveAttempts}) and runs again when its output is
   * lost and needed: the tasks then register anew with {@code rendezvous}, which must stay open as
   * long as the stage's output may be recomputed, and is the caller's to close.
   */
  public static <T, U> JavaRDD<U> stage(JavaRDD<T> rdd, MeshTransport.Settings settings,
      Rendezvous rendezvous, Body<T, ? extends List<U>> body) {
    ClassTag<U> tag = anyRef();
    RDD<U> out = rdd.rdd().barrier().mapPartitions(new Task<T, U>(settings, rendezvous, rdd.getNumPartitions(), body,
        true), false, tag);
    return JavaRDD.fromRDD(out, tag);
  }

  private static final class Task<T, U> extends AbstractFunction1<Iterator<T>, Iterator<U>> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final MeshTransport.Settings settings;
    private final MeshTransport.Address rendezvous;
    private final long jobAttempt;
    /** The fit whose endpoints the task leases, or {@code null}: an endpoint of this job only. */
    private final String fitId;
    private final long idleMs;
    private final int numTasks;
    private final Body<T, ?> body;
    private final boolean many;

    /** {@code many}: the body returns a list of the task's elements, else one element. */
    Task(MeshTransport.Settings settings, Rendezvous rendezvous, int numTasks, Body<T, ?> body,
        boolean many) {
      this.settings = settings;
      this.rendezvous = rendezvous.address();
      this.jobAttempt = rendezvous.attempt() >>> 16;
      this.fitId = rendezvous.fitId();
      this.idleMs = rendezvous.idleMs();
      this.numTasks = numTasks;
      this.body = body;
      this.many = many;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Iterator<U> apply(Iterator<T> rows) {
      BarrierTaskContext ctx = BarrierTaskContext.get();
      int rank = ctx.partitionId();
      BarrierTaskInfo[] infos = ctx.getTaskInfos();
      if (infos.length != numTasks) {
        // Spark reruns only the lost map outputs of a stage after an executor loss: the mesh needs all its ranks, so
        // fail at once; a failed barrier map stage is then run again as a whole
        throw new IllegalStateException("meshgrad engine: " + infos.length + " of the barrier stage's " + numTasks
            + " tasks were launched (a partial rerun of lost output); failing so that Spark runs all of them again");
      }
      String host = hostOf(infos[rank].address());
      List<U> out = new ArrayList<>(1);
      long attempt = tag(jobAttempt, ctx.stageAttemptNumber());
      MeshTransport transport = fitId == null ? MeshTransport.open(settings, host, rank, attempt)
          : MeshTransport.lease(fitId, idleMs, settings, host, rank, attempt);
      boolean succeeded = false;
      try {
        List<MeshTransport.Address> all = transport.register(rendezvous);
        transport.connect(all);
        Object result = body.run(CollectionConverters.asJava(rows), transport, all.size());
        if (many) {
          out.addAll((List<U>) result);
        } else {
          out.add((U) result);
        }
        succeeded = true;
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      } finally {
        MeshTransport.giveBack(transport, succeeded);
      }
      return CollectionConverters.asScala(out.iterator());
    }
  }
}
