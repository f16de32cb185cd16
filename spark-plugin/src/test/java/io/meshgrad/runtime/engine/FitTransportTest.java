package io.meshgrad.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.ListeningSockets;
import io.meshgrad.LogCapture;
import io.meshgrad.SparkTestSession;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The transport of a fit ({@link MeshTransport.Fit}) in real barrier stages of local[2]: the jobs
 * of one fit use the same endpoints (server, port, connections) on their executor, a failed task's
 * endpoint is dropped so that the next job starts it clean, and the fit's close leaves no port
 * open (the endpoints' and the driver's listener).
 */
class FitTransportTest {
  private static final String HOST = "127.0.0.1";

  private static JavaRDD<Integer> twoPartitions(SparkSession spark) {
    return JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(List.of(10, 20), 2);
  }

  private static MeshTransport.Fit fit(SparkSession spark) {
    return MeshTransport.Fit.open(MeshTransport.Settings.forFit(spark.sparkContext().getConf()), HOST, 60_000);
  }

  /** A job of {@code fit} in which the two ranks exchange a round; each returns "endpoint id:port". */
  private static List<String> exchange(SparkSession spark, MeshTransport.Fit fit, int failingRank) {
    return BarrierJob.run(twoPartitions(spark), fit, 0, (rows, t, n) -> {
      int mine = rows.next();
      if (t.rank() == failingRank) {
        throw new IllegalStateException("rank " + failingRank + " fails on purpose");
      }
      if (failingRank < 0) {
        t.send(1 - t.rank(), 0, ("value " + mine).getBytes(StandardCharsets.UTF_8));
        String got = new String(t.receive(1 - t.rank(), 0), StandardCharsets.UTF_8);
        if (!got.equals("value " + (30 - mine))) {
          throw new IllegalStateException("rank " + t.rank() + " received " + got);
        }
      }
      return t.id() + ":" + t.address().port();
    });
  }

  private static int port(String idAndPort) {
    return Integer.parseInt(idAndPort.substring(idAndPort.indexOf(':') + 1));
  }

  private static void assertClosed(int port, String what) throws java.io.IOException {
    assertFalse(ListeningSockets.listens(port), what + " (port " + port + ") is still open");
  }

  @Test
  void twoJobsOfAFitUseTheSameEndpointsAndTheFitsCloseLeavesNoPortOpen() throws java.io.IOException {
    SparkSession spark = SparkTestSession.get();
    MeshTransport.Fit fit = fit(spark);
    List<String> first;
    List<String> second;
    try {
      first = exchange(spark, fit, -1);
      second = exchange(spark, fit, -1);
      assertEquals(first, second, "each rank's endpoint (its number in the JVM and its port) in the fit's two jobs");
      assertEquals(2, MeshTransport.openEndpoints(fit.id()), "endpoints kept between the fit's jobs");
    } finally {
      fit.close();
    }
    assertEquals(0, MeshTransport.openEndpoints(fit.id()), "endpoints kept after the fit's close");
    for (String s : first) {
      assertClosed(port(s), "an endpoint of a closed fit");
    }
    assertClosed(fit.address().port(), "the driver's listener of a closed fit");
  }

  @Test
  void theFitsCloseLogsNoError() throws Exception {
    SparkSession spark = SparkTestSession.get();
    try (LogCapture log = LogCapture.start()) {
      // an answer to the release raced the endpoint's close: several fits give such a race several chances
      for (int fitNumber = 0; fitNumber < 5; fitNumber++) {
        MeshTransport.Fit fit = fit(spark);
        List<String> endpoints;
        try {
          endpoints = exchange(spark, fit, -1);
          exchange(spark, fit, -1);
        } finally {
          fit.close();
        }
        // an endpoint closes on its executor after it answered the release: wait for its port to go
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (String s : endpoints) {
          while (ListeningSockets.listens(port(s)) && System.nanoTime() < deadline) {
            Thread.sleep(20);
          }
        }
      }
      assertEquals(List.of(), log.events(org.apache.logging.log4j.Level.ERROR, "org.apache.spark").stream()
          .map(e -> e.getLoggerName() + ": " + e.getMessage().getFormattedMessage()).toList(),
          "ERROR lines of Spark's network layer while the fits' endpoints close");
    }
  }

  @Test
  void aMessageLeftByAnEarlierJobIsNotTakenByTheNextJobOnTheSameEndpoint() {
    SparkSession spark = SparkTestSession.get();
    MeshTransport.Settings s = new MeshTransport.Settings("s3cret-" + System.nanoTime(), java.util.Map.of(), 1500);
    try (MeshTransport.Fit fit = MeshTransport.Fit.open(s, HOST, 60_000)) {
      List<String> first = BarrierJob.run(twoPartitions(spark), fit, 0, (rows, t, n) -> {
        if (t.rank() == 1) {
          t.send(0, 99, new byte[] {1}); // never read in this job
        }
        return t.id() + "";
      });
      List<String> second = BarrierJob.run(twoPartitions(spark), fit, 0, (rows, t, n) -> {
        if (t.rank() == 0) {
          try {
            return t.id() + " took " + t.receive(1, 99).length + " bytes";
          } catch (IllegalStateException e) {
            return t.id() + " " + (e.getMessage().contains("timed out after 1500 ms waiting for round 99 from rank 1")
                ? "timed out" : e.getMessage());
          }
        }
        return t.id() + "";
      });
      assertEquals(List.of(first.get(0) + " timed out", first.get(1)), second,
          "the same endpoints; the earlier job's message of round 99 is not taken");
    }
  }

  @Test
  void aFailedTaskDropsItsEndpointAndTheNextJobConnectsToItsNewOne() throws java.io.IOException {
    SparkSession spark = SparkTestSession.get();
    try (MeshTransport.Fit fit = fit(spark)) {
      List<String> before = exchange(spark, fit, -1);
      SparkException e = assertThrows(SparkException.class, () -> exchange(spark, fit, 1));
      assertTrue(String.valueOf(e.getMessage()).contains("rank 1 fails on purpose"), e.getMessage());
      List<String> after = exchange(spark, fit, -1); // exchanges with rank 1's new endpoint
      assertNotEquals(before.get(1), after.get(1), "rank 1's endpoint after its task failed");
      assertClosed(port(before.get(1)), "the endpoint of a failed task");
    }
  }
}
