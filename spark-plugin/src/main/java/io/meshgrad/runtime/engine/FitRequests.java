package io.meshgrad.runtime.engine;

import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.spark.network.client.RpcResponseCallback;
import org.apache.spark.network.client.TransportClient;
import org.apache.spark.network.server.OneForOneStreamManager;
import org.apache.spark.network.server.RpcHandler;
import org.apache.spark.network.server.StreamManager;

/**
 * The handler of a fit's listener on the driver: hands each registration to the group of its job
 * (the attempt's high bits) and answers an endpoint's request for the state offered under a token
 * ({@link MeshTransport.Fit#offerState}) while its job is open.
 */
final class FitRequests extends RpcHandler {
  private final Map<Long, RendezvousRegistrations> groups = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<Long, java.util.function.IntFunction<byte[]>> states =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final StreamManager streams = new OneForOneStreamManager();

  /** Offers what {@code state} makes for the asking rank under {@code token}. */
  void offerState(long token, java.util.function.IntFunction<byte[]> state) {
    states.put(token, state);
  }

  /** Stops offering under {@code token}. */
  void withdrawState(long token) {
    states.remove(token);
  }

  /** Opens the group of registrations of job {@code job}. */
  void open(long job, RendezvousRegistrations group) {
    groups.put(job, group);
  }

  /** Closes job {@code job}'s group: later registrations for it are refused. */
  void close(long job) {
    groups.remove(job);
  }

  @Override
  public void receive(TransportClient client, ByteBuffer message, RpcResponseCallback callback) {
    ByteBuffer peek = message.duplicate();
    byte kind = peek.get();
    long a = peek.getLong();
    RendezvousRegistrations group = groups.get(a >>> 16);
    if (kind == Frame.STATE) {
      int from = peek.getInt();
      long token = peek.getLong();
      java.util.function.IntFunction<byte[]> state = states.get(token);
      if (group == null || state == null) {
        callback.onFailure(new IllegalStateException("refused a request of rank " + from + " for state " + token
            + " (attempt " + a + "): no open job of this fit offers it"));
        return;
      }
      try {
        callback.onSuccess(ByteBuffer.wrap(state.apply(from)));
      } catch (RuntimeException e) {
        callback.onFailure(e);
      }
      return;
    }
    if (group == null) {
      callback.onFailure(new IllegalStateException("refused registration for attempt " + a
          + ": no job of this fit with that attempt is open"));
      return;
    }
    group.receive(client, message, callback);
  }

  @Override
  public StreamManager getStreamManager() {
    return streams;
  }
}
