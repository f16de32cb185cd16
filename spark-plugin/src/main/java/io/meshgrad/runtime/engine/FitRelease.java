package io.meshgrad.runtime.engine;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.network.client.TransportClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's close of a fit's endpoints: a one-way release message to each (over the fit's
 * authenticated channels), confirmed by the endpoint closing the connection it came on (an answer
 * would race that close and end in ERROR lines of Spark's network layer), all at once and bounded
 * in all; one that does not confirm closes itself after {@value MeshTransport#IDLE_CONF}.
 */
final class FitRelease {
  private static final Logger LOG = LoggerFactory.getLogger(MeshTransport.class);
  /** The most the driver waits for its endpoints to close when it closes a fit. */
  static final long RELEASE_WAIT_MS = 10_000;

  private FitRelease() {}

  /**
   * Asks each endpoint at {@code targets} to close the endpoints of fit {@code fitId}, connecting
   * through {@code network} (the fit's listener's), and waits at most {@value #RELEASE_WAIT_MS} ms
   * (and at most {@code timeoutMs}) in all.
   */
  static void release(AuthenticatedNetwork network, String fitId, List<MeshTransport.Address> targets,
      long timeoutMs) {
    if (targets.isEmpty()) {
      return;
    }
    byte[] idBytes = fitId.getBytes(StandardCharsets.UTF_8);
    long bound = Math.min(RELEASE_WAIT_MS, timeoutMs);
    List<Thread> threads = new ArrayList<>();
    List<String> missed = Collections.synchronizedList(new ArrayList<>());
    for (MeshTransport.Address to : targets) {
      Thread t = new Thread(() -> {
        TransportClient c = null;
        try {
          c = network.connect(to.host(), to.port());
          c.send(Frame.of(Frame.RELEASE, 0, -1, 0, idBytes));
          awaitClosed(c, bound);
        } catch (java.net.ConnectException gone) {
          // that endpoint (or its executor) is gone already
        } catch (Exception e) {
          if (!(e.getCause() instanceof java.net.ConnectException)) {
            missed.add(to.host() + ":" + to.port() + " (" + e.getMessage() + ")");
          }
        } finally {
          if (c != null) {
            c.close();
          }
        }
      }, "meshgrad-engine-release");
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
    long deadline = System.nanoTime() + bound * 1_000_000L;
    for (Thread t : threads) {
      try {
        t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      if (t.isAlive()) {
        missed.add("an endpoint did not answer within " + bound + " ms");
      }
    }
    if (!missed.isEmpty()) {
      LOG.warn("meshgrad engine: not every endpoint of the fit confirmed its close ({}); they close themselves "
          + "after {}", missed, MeshTransport.IDLE_CONF);
    }
  }

  /** Waits at most {@code timeoutMs} until the other side closed {@code c}'s connection. */
  private static void awaitClosed(TransportClient c, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (c.isActive()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not closed within " + timeoutMs + " ms");
      }
      Thread.sleep(2);
    }
  }
}
