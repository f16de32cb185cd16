package io.meshgrad.runtime.engine;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.network.TransportContext;
import org.apache.spark.network.client.RpcResponseCallback;
import org.apache.spark.network.client.TransportClient;
import org.apache.spark.network.client.TransportClientBootstrap;
import org.apache.spark.network.client.TransportClientFactory;
import org.apache.spark.network.crypto.AuthClientBootstrap;
import org.apache.spark.network.crypto.AuthServerBootstrap;
import org.apache.spark.network.sasl.SecretKeyHolder;
import org.apache.spark.network.server.OneForOneStreamManager;
import org.apache.spark.network.server.RpcHandler;
import org.apache.spark.network.server.StreamManager;
import org.apache.spark.network.server.TransportServer;
import org.apache.spark.network.server.TransportServerBootstrap;
import org.apache.spark.network.util.MapConfigProvider;
import org.apache.spark.network.util.TransportConf;
import scala.Tuple2;

/**
 * The one class that touches Spark's network layer ({@code org.apache.spark.network}: a public
 * Java API of spark-network-common, whose Netty always matches the running Spark, but not a
 * declared stable one; kept here so that a change between Spark lines is fixed in one place).
 *
 * <p>Two roles. An <b>endpoint</b> ({@link #open}) is one task of a barrier stage: a server bound
 * to its executor's host on a free port, and clients to its peers; it sends byte payloads to a
 * peer ({@link #send}) and waits for one from a peer ({@link #receive}), each tagged with the
 * sender's rank (its partition id) and a round number. A <b>rendezvous</b> ({@link
 * #rendezvous}) runs on the driver for one job: each endpoint registers its address there once
 * ({@link #register}) and gets every rank's address back when all have registered; after that the
 * driver is out of the data path.
 *
 * <p>Security: every connection is authenticated with a secret made for the fit on the driver
 * ({@link Settings#forFit}) and shipped in the task closure, through Spark's {@link
 * AuthServerBootstrap}/{@link AuthClientBootstrap}: with {@code spark.network.crypto.enabled} the
 * channel is also encrypted (Spark's AES-based protocol), otherwise they fall back to SASL
 * DIGEST-MD5 authentication. A peer without the secret is refused at the handshake. Every message
 * carries the attempt it belongs to (the job attempt and the stage attempt); a message of another
 * attempt is refused and counted ({@link #refusedMessages}).
 *
 * <p>Every wait is bounded by {@link Settings#timeoutMs()} ({@value #TIMEOUT_CONF}, default
 * {@value #DEFAULT_TIMEOUT}) and interruptible: it polls {@link TaskContext#isInterrupted()} and
 * the thread's interrupt flag, so a killed task stops waiting at once and a dead or hung peer
 * fails the task within the bound instead of hanging the job.
 */
final class MeshTransport implements AutoCloseable {
  /** The conf key of the bound on every wait of the engine (a Spark time string). */
  public static final String TIMEOUT_CONF = "spark.meshgrad.engine.timeout";
  /** Default of {@link #TIMEOUT_CONF}: long enough for a slow step of a large model on a loaded machine. */
  public static final String DEFAULT_TIMEOUT = "120s";

  private static final String APP_ID = "meshgrad-engine";
  private static final String MODULE = "meshgrad.engine";
  private static final byte DATA = 1;
  private static final byte REGISTER = 2;
  private static final long POLL_MS = 50;

  /**
   * What every endpoint of a fit needs, made once on the driver and shipped in the task closure:
   * the fit's secret, the network settings copied from the Spark conf ({@code
   * spark.network.crypto.*}, {@code spark.authenticate.enableSaslEncryption}) and the bound on
   * every wait.
   */
  public record Settings(String secret, Map<String, String> network, long timeoutMs) implements Serializable {
    /** A fresh 256-bit secret, the network settings of {@code conf} and its {@value #TIMEOUT_CONF}. */
    public static Settings forFit(SparkConf conf) {
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      Map<String, String> network = new HashMap<>();
      for (Tuple2<String, String> e : conf.getAll()) {
        if (e._1().startsWith("spark.network.crypto.") || e._1().equals("spark.authenticate.enableSaslEncryption")) {
          network.put(e._1(), e._2());
        }
      }
      long timeout = conf.getTimeAsMs(TIMEOUT_CONF, DEFAULT_TIMEOUT);
      if (timeout <= 0) {
        throw new IllegalArgumentException(TIMEOUT_CONF + " must be a positive time (e.g. 120s), got "
            + conf.get(TIMEOUT_CONF));
      }
      return new Settings(HexFormat.of().formatHex(key), Map.copyOf(network), timeout);
    }

    /** The same settings with another secret (for tests of refused connections). */
    public Settings withSecret(String other) {
      return new Settings(other, network, timeoutMs);
    }

    /** Whether connections are encrypted ({@code spark.network.crypto.enabled}). */
    public boolean encrypted() {
      return Boolean.parseBoolean(network.getOrDefault("spark.network.crypto.enabled", "false"));
    }

    @Override
    public String toString() {
      return "MeshTransport.Settings(secret=<hidden>, network=" + network + ", timeoutMs=" + timeoutMs + ")";
    }
  }

  /** Where an endpoint listens. */
  public record Address(String host, int port) implements Serializable {}

  private final Settings settings;
  private final int rank;
  private final long attempt;
  private final TransportContext context;
  private final TransportServer server;
  private final TransportClientFactory clients;
  /** What this endpoint received; {@code null} for the rendezvous, which receives registrations only. */
  private final Inbox inbox;
  private final Map<Integer, TransportClient> peers = new HashMap<>();
  private final Address address;
  private boolean closed;

  private MeshTransport(Settings settings, String host, int rank, long attempt, RpcHandler handler, Inbox inbox) {
    this.settings = settings;
    this.rank = rank;
    this.attempt = attempt;
    this.inbox = inbox;
    TransportConf conf = conf(settings);
    this.context = new TransportContext(conf, handler, true);
    TransportServer s = null;
    TransportClientFactory c = null;
    try {
      s = context.createServer(host, 0, List.<TransportServerBootstrap>of(new AuthServerBootstrap(conf, keys(settings))));
      c = context.createClientFactory(List.<TransportClientBootstrap>of(new AuthClientBootstrap(conf, APP_ID,
          keys(settings))));
    } catch (RuntimeException e) {
      if (s != null) {
        s.close();
      }
      context.close();
      throw e;
    }
    this.server = s;
    this.clients = c;
    this.address = new Address(host, server.getPort());
  }

  private static TransportConf conf(Settings settings) {
    Map<String, String> m = new HashMap<>(settings.network());
    String prefix = "spark." + MODULE + ".io.";
    m.put(prefix + "serverThreads", "1");
    m.put(prefix + "clientThreads", "1");
    m.put(prefix + "numConnectionsPerPeer", "1");
    m.put(prefix + "connectionTimeout", settings.timeoutMs() + "ms");
    m.put(prefix + "connectionCreationTimeout", settings.timeoutMs() + "ms");
    return new TransportConf(MODULE, new MapConfigProvider(m));
  }

  private static SecretKeyHolder keys(Settings settings) {
    return new SecretKeyHolder() {
      @Override
      public String getSaslUser(String appId) {
        return APP_ID;
      }

      @Override
      public String getSecretKey(String appId) {
        return APP_ID.equals(appId) ? settings.secret() : null;
      }
    };
  }

  /**
   * An endpoint of rank {@code rank} for attempt {@code attempt}, listening on {@code host} (the
   * executor's host address) on a free port.
   */
  public static MeshTransport open(Settings settings, String host, int rank, long attempt) {
    Inbox inbox = new Inbox(attempt);
    return new MeshTransport(settings, host, rank, attempt, inbox, inbox);
  }

  /** Where this endpoint listens. */
  public Address address() {
    return address;
  }

  public int rank() {
    return rank;
  }

  /** Messages refused so far because they belonged to another attempt. */
  public long refusedMessages() {
    return inbox == null ? 0 : inbox.refused.get();
  }

  /**
   * Registers this endpoint with the driver's rendezvous and waits (bounded, interruptible) for
   * every rank's address, in rank order.
   */
  public List<Address> register(Address rendezvous) {
    TransportClient client = connect(rendezvous, "the driver's rendezvous");
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeUTF(address.host());
      out.writeInt(address.port());
      out.flush();
      Reply reply = new Reply();
      client.sendRpc(frame(REGISTER, attempt, rank, 0, bytes.toByteArray()), reply);
      byte[] answer = reply.await(settings.timeoutMs(), "the addresses of every rank from the driver's rendezvous");
      DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(answer));
      int n = in.readInt();
      List<Address> all = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        all.add(new Address(in.readUTF(), in.readInt()));
      }
      return all;
    } catch (IOException e) {
      throw new IllegalStateException("meshgrad engine rank " + rank + ": bad rendezvous answer", e);
    } finally {
      client.close();
    }
  }

  /** Opens authenticated connections to every other rank of {@code all} (index = rank). */
  public void connect(List<Address> all) {
    for (int r = 0; r < all.size(); r++) {
      if (r != rank && !peers.containsKey(r)) {
        peers.put(r, connect(all.get(r), "rank " + r));
      }
    }
  }

  private TransportClient connect(Address to, String what) {
    try {
      return clients.createUnmanagedClient(to.host(), to.port());
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("meshgrad engine rank " + rank + " (attempt " + attempt + ") could not connect "
          + "to " + what + " at " + to.host() + ":" + to.port() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("meshgrad engine rank " + rank + " interrupted while connecting to " + what, e);
    }
  }

  /** Sends {@code payload} of round {@code round} to rank {@code to} (one way, in order per peer). */
  public void send(int to, long round, byte[] payload) {
    TransportClient c = peers.get(to);
    if (c == null) {
      throw new IllegalStateException("meshgrad engine rank " + rank + " has no connection to rank " + to);
    }
    c.send(frame(DATA, attempt, rank, round, payload));
  }

  /**
   * The payload of round {@code round} from rank {@code from}; waits at most {@link
   * Settings#timeoutMs()}, and stops at once when the task is killed.
   *
   * @throws IllegalStateException naming the peer and the round when the wait times out
   */
  public byte[] receive(int from, long round) {
    return inbox.take(from, round, settings.timeoutMs(), rank);
  }

  /** Closes the connections and the server; its port is free again when this returns. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (TransportClient c : peers.values()) {
      c.close();
    }
    peers.clear();
    clients.close();
    server.close();
    context.close();
  }

  // ------------------------------------------------------------------ framing

  private static ByteBuffer frame(byte kind, long attempt, int from, long round, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(1 + 8 + 4 + 8 + payload.length);
    b.put(kind).putLong(attempt).putInt(from).putLong(round).put(payload);
    b.flip();
    return b;
  }

  /** Waits for a task's condition in short slices, checking whether the task was killed. */
  private static void checkInterrupted(String what) {
    TaskContext tc = TaskContext.get();
    if (Thread.currentThread().isInterrupted() || (tc != null && tc.isInterrupted())) {
      throw new IllegalStateException("meshgrad engine: the task was killed while waiting for " + what);
    }
  }

  /** Messages received by an endpoint, by (sender, round); refuses those of another attempt. */
  private static final class Inbox extends RpcHandler {
    private final long attempt;
    private final Map<Long, byte[]> messages = new HashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private final StreamManager streams = new OneForOneStreamManager();

    Inbox(long attempt) {
      this.attempt = attempt;
    }

    private static long key(int from, long round) {
      return (round << 20) | from;
    }

    @Override
    public void receive(TransportClient client, ByteBuffer message) {
      byte kind = message.get();
      long a = message.getLong();
      int from = message.getInt();
      long round = message.getLong();
      if (kind != DATA || a != attempt) {
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
      refused.incrementAndGet();
      callback.onFailure(new IllegalStateException("a meshgrad engine endpoint answers no requests"));
    }

    @Override
    public StreamManager getStreamManager() {
      return streams;
    }

    /** {@link MeshTransport#checkInterrupted}, naming the message only when it throws (every wait of every step checks). */
    private static void checkInterrupted(int from, long round) {
      TaskContext tc = TaskContext.get();
      if (Thread.currentThread().isInterrupted() || (tc != null && tc.isInterrupted())) {
        MeshTransport.checkInterrupted("round " + round + " from rank " + from);
      }
    }

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
              + TIMEOUT_CONF + ")");
        }
        try {
          wait(Math.min(POLL_MS, Math.max(1, left / 1_000_000L)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          checkInterrupted(from, round);
        }
      }
    }
  }

  /** The answer to one request, awaited with a bound. */
  private static final class Reply implements RpcResponseCallback {
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

    synchronized byte[] await(long timeoutMs, String what) {
      long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
      while (answer == null && failure == null) {
        checkInterrupted(what);
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException("meshgrad engine: timed out after " + timeoutMs + " ms waiting for " + what
              + " (bound: " + TIMEOUT_CONF + "); not every task of the barrier stage registered");
        }
        try {
          wait(Math.min(POLL_MS, Math.max(1, left / 1_000_000L)));
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

  // ------------------------------------------------------------------ rendezvous (driver)

  /**
   * Starts the driver's rendezvous for one job of {@code size} tasks of attempt {@code attempt},
   * listening on {@code host} (the driver's host).
   */
  public static Rendezvous rendezvous(Settings settings, String host, int size, long attempt) {
    return new Rendezvous(settings, host, size, attempt);
  }

  /**
   * The driver's side of one job: collects the {@code size} endpoints' addresses and answers every
   * registration with all of them, in rank order, once per stage attempt (see {@link
   * Registrations}). Registrations of another job attempt are refused.
   */
  public static final class Rendezvous implements AutoCloseable {
    private final MeshTransport transport;

    private Rendezvous(Settings settings, String host, int size, long attempt) {
      Registrations registrations = new Registrations(size, attempt);
      this.transport = new MeshTransport(settings, host, -1, attempt, registrations, null);
    }

    /** Where the endpoints register; travels in the task closure. */
    public Address address() {
      return transport.address();
    }

    /** Closes the listener; its port is free again when this returns. */
    @Override
    public void close() {
      transport.close();
    }
  }

  /**
   * The rendezvous's handler: holds each registration's callback until all ranks of its attempt
   * are known, then answers them all. A rendezvous serves every stage attempt of its job attempt
   * (the attempt's high bits, see {@code BarrierJob.tag}), each attempt a group of its own, and a
   * group once answered starts afresh: Spark may run the barrier stage again (a retried stage
   * attempt, or a later job recomputing the stage's lost output from lineage) and its tasks
   * register again. A rank that registers twice in an unanswered group replaces its earlier
   * registration (a killed task's).
   */
  private static final class Registrations extends RpcHandler {
    private final int size;
    private final long attempt;
    private final Map<Long, TreeMap<Integer, Address>> addresses = new HashMap<>();
    private final Map<Long, TreeMap<Integer, RpcResponseCallback>> waiting = new HashMap<>();
    private final StreamManager streams = new OneForOneStreamManager();

    Registrations(int size, long attempt) {
      this.size = size;
      this.attempt = attempt;
    }

    @Override
    public void receive(TransportClient client, ByteBuffer message, RpcResponseCallback callback) {
      byte kind = message.get();
      long a = message.getLong();
      int from = message.getInt();
      message.getLong();
      if (kind != REGISTER || (a >>> 16) != (attempt >>> 16) || from < 0 || from >= size) {
        callback.onFailure(new IllegalStateException("refused registration of rank " + from + " for attempt " + a
            + ": this rendezvous is for attempt " + attempt + " of " + size + " ranks"));
        return;
      }
      byte[] payload = new byte[message.remaining()];
      message.get(payload);
      List<RpcResponseCallback> answer = null;
      byte[] all = null;
      synchronized (this) {
        TreeMap<Integer, Address> group = addresses.computeIfAbsent(a, k -> new TreeMap<>());
        TreeMap<Integer, RpcResponseCallback> callbacks = waiting.computeIfAbsent(a, k -> new TreeMap<>());
        try {
          DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload));
          group.put(from, new Address(in.readUTF(), in.readInt()));
        } catch (IOException e) {
          callback.onFailure(e);
          return;
        }
        callbacks.put(from, callback);
        if (group.size() == size) {
          answer = new ArrayList<>(callbacks.values());
          all = encode(new ArrayList<>(group.values()));
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

    private static byte[] encode(List<Address> all) {
      try {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(all.size());
        for (Address a : all) {
          out.writeUTF(a.host());
          out.writeInt(a.port());
        }
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

  @Override
  public String toString() {
    return "MeshTransport(rank " + rank + ", attempt " + attempt + ", " + address.host() + ":" + address.port()
        + (settings.encrypted() ? ", encrypted" : "") + ")";
  }
}
