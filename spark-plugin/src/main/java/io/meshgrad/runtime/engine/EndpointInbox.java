package io.meshgrad.runtime.engine;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiPredicate;
import org.apache.spark.network.client.RpcResponseCallback;
import org.apache.spark.network.client.TransportClient;
import org.apache.spark.network.server.OneForOneStreamManager;
import org.apache.spark.network.server.RpcHandler;
import org.apache.spark.network.server.StreamManager;

/**
 * An endpoint's handler: the payloads it received, by (sender, round), until its task takes them;
 * refuses (and counts) messages of another attempt, and hands a fit's release to its endpoint.
 */
final class EndpointInbox extends RpcHandler {
  private volatile long attempt;
  private final Map<Long, byte[]> messages = new HashMap<>();
  private final AtomicLong refused = new AtomicLong();
  private final StreamManager streams = new OneForOneStreamManager();
  /** The endpoint's answer to a release naming a fit id: whether it took it (set once the endpoint is made). */
  private volatile BiPredicate<String, RpcResponseCallback> release = (fitId, callback) -> false;

  EndpointInbox(long attempt) {
    this.attempt = attempt;
  }

  /** Sets who takes a fit's release (the endpoint, once it is made). */
  void onRelease(BiPredicate<String, RpcResponseCallback> r) {
    release = r;
  }

  /** A new job on a kept endpoint: messages of another attempt still here are dropped. */
  synchronized void begin(long a) {
    attempt = a;
    messages.clear();
  }

  /** The attempt whose messages are taken. */
  long attempt() {
    return attempt;
  }

  /** Messages refused so far because they belonged to another attempt (or were requests). */
  long refused() {
    return refused.get();
  }

  private static long key(int from, long round) {
    return (round << 20) | from;
  }

  @Override
  public void receive(TransportClient client, ByteBuffer message) {
    if (message.get(message.position()) == Frame.RELEASE) {
      receive(client, message, BoundedReply.NO_ANSWER);
      return;
    }
    byte kind = message.get();
    long a = message.getLong();
    int from = message.getInt();
    long round = message.getLong();
    if (kind != Frame.DATA || a != attempt) {
      refused.incrementAndGet();
      return;
    }
    byte[] payload = new byte[message.remaining()];
    message.get(payload);
    synchronized (this) {
      messages.put(key(from, round), payload);
      notifyAll();
    }
  }

  @Override
  public void receive(TransportClient client, ByteBuffer message, RpcResponseCallback callback) {
    byte kind = message.get();
    if (kind == Frame.RELEASE) {
      message.getLong();
      message.getInt();
      message.getLong();
      byte[] id = new byte[message.remaining()];
      message.get(id);
      if (release.test(new String(id, java.nio.charset.StandardCharsets.UTF_8), callback)) {
        return;
      }
    }
    refused.incrementAndGet();
    callback.onFailure(new IllegalStateException("a meshgrad engine endpoint answers no requests but its fit's "
        + "release"));
  }

  @Override
  public StreamManager getStreamManager() {
    return streams;
  }

  /** {@link TaskWaits#checkInterrupted}, naming the message only when it throws (every wait of every step checks). */
  private static void checkInterrupted(int from, long round) {
    if (TaskWaits.killed()) {
      TaskWaits.checkInterrupted("round " + round + " from rank " + from);
    }
  }

  /**
   * The payload of {@code round} from {@code from}; waits at most {@code timeoutMs}, and stops at
   * once when the task is killed.
   *
   * @param rank the waiting endpoint's rank (named in the timeout's message)
   */
  synchronized byte[] take(int from, long round, long timeoutMs, int rank) {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    long k = key(from, round);
    while (true) {
      byte[] m = messages.remove(k);
      if (m != null) {
        return m;
      }
      checkInterrupted(from, round);
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException("meshgrad engine rank " + rank + " (attempt " + attempt + ") timed out after "
            + timeoutMs + " ms waiting for round " + round + " from rank " + from + ": that task died or hangs (bound: "
            + MeshTransport.TIMEOUT_CONF + ")");
      }
      try {
        wait(Math.min(TaskWaits.POLL_MS, Math.max(1, left / 1_000_000L)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        checkInterrupted(from, round);
      }
    }
  }
}
