package io.meshgrad.runtime.engine;

import java.nio.ByteBuffer;
import org.apache.spark.network.client.RpcResponseCallback;

/** The answer to one request of an endpoint (a registration, a state fetch), awaited with a bound. */
final class BoundedReply implements RpcResponseCallback {
  /** The callback of a one-way message: there is nobody to answer. */
  static final RpcResponseCallback NO_ANSWER = new RpcResponseCallback() {
    @Override
    public void onSuccess(ByteBuffer response) {}

    @Override
    public void onFailure(Throwable e) {}
  };

  private byte[] answer;
  private Throwable failure;

  @Override
  public synchronized void onSuccess(ByteBuffer response) {
    byte[] b = new byte[response.remaining()];
    response.get(b);
    answer = b;
    notifyAll();
  }

  @Override
  public synchronized void onFailure(Throwable e) {
    failure = e;
    notifyAll();
  }

  /**
   * The answer; waits at most {@code timeoutMs}, and stops at once when the task is killed.
   *
   * @throws IllegalStateException naming {@code what} on a timeout or a failed request
   */
  synchronized byte[] await(long timeoutMs, String what) {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (answer == null && failure == null) {
      TaskWaits.checkInterrupted(what);
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException("meshgrad engine: timed out after " + timeoutMs + " ms waiting for " + what
            + " (bound: " + MeshTransport.TIMEOUT_CONF + "); not every task of the barrier stage registered");
      }
      try {
        wait(Math.min(TaskWaits.POLL_MS, Math.max(1, left / 1_000_000L)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (failure != null) {
      throw new IllegalStateException("meshgrad engine: " + what + " failed: " + failure.getMessage(), failure);
    }
    return answer;
  }
}
