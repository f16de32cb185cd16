package io.meshgrad.runtime.engine;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.spark.network.client.RpcResponseCallback;
import org.apache.spark.network.client.TransportClient;
import org.apache.spark.network.server.OneForOneStreamManager;
import org.apache.spark.network.server.RpcHandler;
import org.apache.spark.network.server.StreamManager;

/**
 * The rendezvous's handler: holds each registration's callback until all ranks of its attempt
 * are known, then answers them all (and whether their endpoints are kept after the job, {@code
 * keep}). A rendezvous serves every stage attempt of its job attempt (the attempt's high bits,
 * see {@code BarrierJob.tag}), each attempt a group of its own, and a group once answered starts
 * afresh: Spark may run the barrier stage again (a retried stage attempt, or a later job
 * recomputing the stage's lost output from lineage) and its tasks register again. A rank that
 * registers twice in an unanswered group replaces its earlier registration (a killed task's).
 */
final class RendezvousRegistrations extends RpcHandler {
  private final int size;
  private final long attempt;
  private final BooleanSupplier keep;
  private final Consumer<MeshTransport.Address> seen;
  private final Map<Long, TreeMap<Integer, MeshTransport.Address>> addresses = new HashMap<>();
  private final Map<Long, TreeMap<Integer, RpcResponseCallback>> waiting = new HashMap<>();
  private final StreamManager streams = new OneForOneStreamManager();

  RendezvousRegistrations(int size, long attempt, BooleanSupplier keep, Consumer<MeshTransport.Address> seen) {
    this.size = size;
    this.attempt = attempt;
    this.keep = keep;
    this.seen = seen;
  }

  @Override
  public void receive(TransportClient client, ByteBuffer message, RpcResponseCallback callback) {
    byte kind = message.get();
    long a = message.getLong();
    int from = message.getInt();
    message.getLong();
    if (kind != Frame.REGISTER || (a >>> 16) != (attempt >>> 16) || from < 0 || from >= size) {
      callback.onFailure(new IllegalStateException("refused registration of rank " + from + " for attempt " + a
          + ": this rendezvous is for attempt " + attempt + " of " + size + " ranks"));
      return;
    }
    byte[] payload = new byte[message.remaining()];
    message.get(payload);
    List<RpcResponseCallback> answer = null;
    byte[] all = null;
    synchronized (this) {
      TreeMap<Integer, MeshTransport.Address> group = addresses.computeIfAbsent(a, k -> new TreeMap<>());
      TreeMap<Integer, RpcResponseCallback> callbacks = waiting.computeIfAbsent(a, k -> new TreeMap<>());
      MeshTransport.Address at;
      try {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload));
        at = new MeshTransport.Address(in.readUTF(), in.readInt());
      } catch (IOException e) {
        callback.onFailure(e);
        return;
      }
      group.put(from, at);
      seen.accept(at);
      callbacks.put(from, callback);
      if (group.size() == size) {
        answer = new ArrayList<>(callbacks.values());
        all = encode(new ArrayList<>(group.values()), keep.getAsBoolean());
        addresses.remove(a);
        waiting.remove(a);
      }
    }
    if (answer != null) {
      for (RpcResponseCallback c : answer) {
        c.onSuccess(ByteBuffer.wrap(all));
      }
    }
  }

  private static byte[] encode(List<MeshTransport.Address> all, boolean keep) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(all.size());
      for (MeshTransport.Address a : all) {
        out.writeUTF(a.host());
        out.writeInt(a.port());
      }
      out.writeBoolean(keep);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public StreamManager getStreamManager() {
    return streams;
  }
}
