package io.meshgrad.train;

import static io.meshgrad.train.EngineFits.LOSS;
import static io.meshgrad.train.EngineFits.assertSameFit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.SparkListeners;
import io.meshgrad.SparkTestSession;
import io.meshgrad.model.BlockModel;
import io.meshgrad.model.FactorizationMachine;
import io.meshgrad.model.LinearModel;
import io.meshgrad.optimizer.Adagrad;
import io.meshgrad.optimizer.Optimizer;
import io.meshgrad.tensor.DType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.junit.jupiter.api.Test;

/**
 * The sharded engine's tasks keep their shards on their fit's endpoints between jobs: a job after
 * the fit's first reads no record of the state in its barrier stage (the shuffle read metrics of
 * its tasks, as Spark reports them), while a job whose endpoints lost the shards (a failed task
 * closes its endpoint and the stage runs again) or whose state was restarted from the driver (a
 * lineage cut without a checkpoint directory) reads its state partitions; the result stays bit for bit the job-per-step
 * path's either way.
 */
class ShardedEngineResidentTest {
  private static final String MESH = "batch=2,model=2";

  /** Shuffle records read by the barrier stages' tasks, by attempt of each step job, in the order they started. */
  private static final class BarrierReads extends SparkListener {
    private final Map<Integer, Integer> barrierStageToJob = new HashMap<>();
    private final List<String> jobs = new ArrayList<>();
    private final Map<Integer, Long> records = new LinkedHashMap<>();

    @Override
    public synchronized void onJobStart(SparkListenerJobStart start) {
      String d = start.properties() == null ? null : start.properties().getProperty("spark.job.description");
      if (d == null || !d.startsWith("meshgrad steps")) {
        return;
      }
      int job = jobs.size();
      jobs.add(d);
      records.put(job, 0L);
      for (StageInfo s : scala.jdk.javaapi.CollectionConverters.asJava(start.stageInfos())) {
        if (scala.jdk.javaapi.CollectionConverters.asJava(s.rddInfos()).stream().anyMatch(r -> r.isBarrier())) {
          barrierStageToJob.put(s.stageId(), job);
        }
      }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
      Integer job = barrierStageToJob.get(end.stageId());
      if (job != null && end.taskMetrics() != null) {
        records.merge(job, end.taskMetrics().shuffleReadMetrics().recordsRead(), Long::sum);
      }
    }

    synchronized List<String> jobs() {
      return new ArrayList<>(jobs);
    }

    synchronized List<Long> records() {
      return new ArrayList<>(records.values());
    }
  }

  private static List<Object> watched(Runnable fit) {
    BarrierReads reads = new BarrierReads();
    SparkTestSession.get().sparkContext().addSparkListener(reads);
    try {
      fit.run();
    } finally {
      SparkListeners.removeWhenDelivered(SparkTestSession.get().sparkContext(), reads);
    }
    return List.of(reads.jobs(), reads.records());
  }

  /** A failed job attempt leaves no state cached (its new state is unpersisted whatever Spark throws). */
  @org.junit.jupiter.api.AfterAll
  static void noCachedRddLeft() {
    EngineFits.assertNoCachedRdd();
  }

  @Test
  @SuppressWarnings("unchecked")
  void laterJobsStartFromTheKeptShardsAndReadNoStateRecord() {
    FactorizationMachine fm = new FactorizationMachine(123, 3, true, true, 0.1, new io.meshgrad.loss.BinaryLogisticLoss());
    for (BlockModel model : new BlockModel[] {null, fm}) {
      Supplier<Optimizer> opt = () -> Adagrad.builder().learningRate(0.3).clipnorm(0.5).build();
      TrainingResult reference = EngineFits.fit(MESH, DType.FLOAT32, opt, model, 0, 4, 1, new ArrayList<>());
      TrainingResult[] b = new TrainingResult[1];
      List<Object> w = watched(() -> b[0] = EngineFits.fit(MESH, DType.FLOAT32, opt, model, 0, 4, 2,
          new ArrayList<>()));
      assertSameFit(reference, b[0], "kept shards");
      List<String> jobs = (List<String>) w.get(0);
      List<Long> records = (List<Long>) w.get(1);
      assertEquals(List.of("meshgrad steps 1-2/7", "meshgrad steps 3-4/7", "meshgrad steps 5-6/7",
          "meshgrad steps 7-7/7"), jobs);
      // the first job reads its state partitions; the second starts from the kept shards. The lineage cut at step 4
      // (checkpointInterval 4) restarts the state from the driver without a checkpoint directory, so the third reads
      // its partitions; with one (another test class of this JVM may have set it) the cut's state holds the kept
      // shards as the cut leaves them, and the third starts from those. The fourth starts from the shards the third
      // kept
      boolean intoFiles = SparkTestSession.get().sparkContext().getCheckpointDir().isDefined();
      assertTrue(records.get(0) > 0, "the first job reads its state partitions: " + records);
      assertEquals(0L, records.get(1), "the second job starts from the kept shards: " + records);
      if (intoFiles) {
        assertEquals(0L, records.get(2), "the job after a cut into files starts from the kept shards: " + records);
      } else {
        assertTrue(records.get(2) > 0, "the job after a restart from the driver reads its partitions: " + records);
      }
      assertEquals(0L, records.get(3), "the fourth job starts from the kept shards: " + records);
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void aJobWhoseEndpointsLostTheShardsReadsItsStatePartitions() {
    Supplier<Optimizer> opt = () -> Adagrad.builder().learningRate(0.5).globalClipnorm(0.05).build();
    TrainingResult reference = EngineFits.fit(MESH, DType.FLOAT32, opt, null, 0, 4, 1, new ArrayList<>());
    // rank 1 fails after its first step in the first attempt of each job: its endpoint closes, and every task of the
    // stage's next attempt finds nothing kept (the first attempt's tasks took what was)
    FailsAfterFirstEngineStep failing = new FailsAfterFirstEngineStep(new LinearModel(LOSS, 123, true), 1);
    TrainingResult[] b = new TrainingResult[1];
    List<Object> w = watched(() -> b[0] = EngineFits.fit(MESH, DType.FLOAT32, opt, failing, 0, 4, 4,
        new ArrayList<>()));
    assertSameFit(reference, b[0], "after task failures");
    List<String> jobs = (List<String>) w.get(0);
    List<Long> records = (List<Long>) w.get(1);
    assertEquals(List.of("meshgrad steps 1-4/7", "meshgrad steps 1-4/7", "meshgrad steps 5-7/7",
        "meshgrad steps 5-7/7"), jobs);
    assertTrue(records.get(3) > 0, "the second job's retry reads its state partitions: " + records);
  }
}
