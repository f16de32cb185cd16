package io.meshgrad.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshgrad.SparkTestSession;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The engine's transport over Spark's network layer, in a real barrier stage of local[2] and endpoint to endpoint. */
class MeshTransportTest {
  private static final String HOST = "127.0.0.1";

  private static MeshTransport.Settings settings(long timeoutMs, Map<String, String> network) {
    return new MeshTransport.Settings("s3cret-" + System.nanoTime(), network, timeoutMs);
  }

  private static JavaRDD<Integer> twoPartitions(SparkSession spark) {
    return JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(List.of(10, 20), 2);
  }

  @Test
  void twoTasksOfABarrierStageExchangeARoundAndLeaveNoPortOpen() throws Exception {
    SparkSession spark = SparkTestSession.get();
    MeshTransport.Settings s = MeshTransport.Settings.forFit(spark.sparkContext().getConf());
    List<String> got = BarrierJob.run(twoPartitions(spark), s, HOST, 0, (rows, t, n) -> {
      int mine = rows.next();
      for (int round = 0; round < 3; round++) {
        t.send(1 - t.rank(), round, ("rank " + t.rank() + " value " + (mine + round)).getBytes(StandardCharsets.UTF_8));
      }
      StringBuilder b = new StringBuilder(t.address().host() + ":" + t.address().port());
      for (int round = 2; round >= 0; round--) { // out of order on purpose: messages are keyed by round
        b.append("|").append(new String(t.receive(1 - t.rank(), round), StandardCharsets.UTF_8));
      }
      return b.toString();
    });
    assertEquals(2, got.size());
    assertTrue(got.get(0).endsWith("|rank 1 value 22|rank 1 value 21|rank 1 value 20"), got.get(0));
    assertTrue(got.get(1).endsWith("|rank 0 value 12|rank 0 value 11|rank 0 value 10"), got.get(1));
    for (String g : got) {
      String address = g.substring(0, g.indexOf('|'));
      String host = address.substring(0, address.lastIndexOf(':'));
      int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
      assertTrue(port > 0);
      assertThrows(ConnectException.class, () -> {
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress(host, port), 2000);
        }
      }, "port " + port + " of a finished job is still open");
    }
  }

  @Test
  void aHungPeerFailsTheStageWithinTheBound() {
    SparkSession spark = SparkTestSession.get();
    MeshTransport.Settings s = settings(1500, Map.of());
    SparkException e = assertThrows(SparkException.class, () -> BarrierJob.run(twoPartitions(spark), s, HOST, 0,
        (rows, t, n) -> {
          if (t.rank() == 0) {
            t.receive(1, 0); // rank 1 hangs without sending: rank 0 must not hang with it
          } else {
            while (!org.apache.spark.TaskContext.get().isInterrupted()) {
              Thread.sleep(20);
            }
          }
          return "done";
        }));
    assertTrue(String.valueOf(e.getMessage()).contains("timed out after 1500 ms waiting for round 0 from rank 1"),
        e.getMessage());
  }

  @Test
  void aConnectionWithoutTheSecretIsRefused() {
    MeshTransport.Settings s = settings(2000, Map.of());
    try (MeshTransport a = MeshTransport.open(s, HOST, 0, 0);
        MeshTransport intruder = MeshTransport.open(s.withSecret("guessed"), HOST, 1, 0)) {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> intruder.connect(List.of(a.address(), intruder.address())));
      assertTrue(e.getMessage().contains("could not connect to rank 0"), e.getMessage());
      assertThrows(IllegalStateException.class, () -> a.receive(1, 0));
    }
  }

  @Test
  void encryptedEndpointsExchangeAndAStaleAttemptIsRefused() throws IOException {
    MeshTransport.Settings s = settings(1000, Map.of("spark.network.crypto.enabled", "true"));
    assertTrue(s.encrypted());
    try (MeshTransport a = MeshTransport.open(s, HOST, 0, 7);
        MeshTransport b = MeshTransport.open(s, HOST, 1, 7);
        MeshTransport stale = MeshTransport.open(s, HOST, 1, 6)) {
      List<MeshTransport.Address> all = new ArrayList<>(List.of(a.address(), b.address()));
      a.connect(all);
      b.connect(all);
      b.send(0, 0, new byte[] {1, 2, 3});
      a.send(1, 0, new byte[] {4});
      assertEquals(3, a.receive(1, 0).length);
      assertEquals(1, b.receive(0, 0).length);
      stale.connect(List.of(a.address(), stale.address()));
      stale.send(0, 1, new byte[] {9});
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.receive(1, 1));
      assertTrue(e.getMessage().contains("timed out"), e.getMessage());
      assertEquals(1, a.refusedMessages());
    }
  }
}
