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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 *
 * <p>Lifetime. An endpoint {@linkplain #open opened} for one job lives for that job. An endpoint of
 * a <b>fit</b> ({@link Fit}, the driver's side: one listener for every job's rendezvous) lives for
 * the whole fit on its executor: a task {@linkplain #lease leases} it (its server, client factory,
 * event loops and open connections, kept in this JVM's registry by the fit's id and the rank),
 * re-registers it with the job's rendezvous (the peers' addresses are checked again every job, and
 * a connection whose peer moved or closed is made anew) and {@linkplain #giveBack gives it back}
 * when the task ends; a task that failed closes it, so a retry starts clean. Each job of a fit
 * carries its own number in every message's attempt, so a message of an earlier job or attempt is
 * refused as before. An endpoint of a fit is closed when the driver closes the fit (it tells every
 * endpoint that ever registered, over the same authenticated channels), when it has been idle for
 * {@value #IDLE_CONF} (default {@value #DEFAULT_IDLE}: the backstop for a driver that died or
 * never closed its fit), or when a registration answers that the fit is closing.
 */
final class MeshTransport implements AutoCloseable {
  /** The conf key of the bound on every wait of the engine (a Spark time string). */
  public static final String TIMEOUT_CONF = "spark.meshgrad.engine.timeout";
  /** Default of {@link #TIMEOUT_CONF}: long enough for a slow step of a large model on a loaded machine. */
  public static final String DEFAULT_TIMEOUT = "120s";
  /** The conf key of how long an executor keeps an idle endpoint of a fit between its jobs (a Spark time string). */
  public static final String IDLE_CONF = "spark.meshgrad.engine.transportIdleTimeout";
  /** Default of {@link #IDLE_CONF}: longer than the driver's usual work between two jobs of a fit. */
  public static final String DEFAULT_IDLE = "60s";

  private static final Logger LOG = LoggerFactory.getLogger(MeshTransport.class);

  private static final String APP_ID = "meshgrad-engine";
  private static final String MODULE = "meshgrad.engine";
  private static final byte DATA = 1;
  private static final byte REGISTER = 2;
  private static final byte RELEASE = 3;
  /** An endpoint's request to the fit's listener for the state a job starts from (see {@link #fetchState}). */
  private static final byte STATE = 4;
  /** The most the driver waits for its endpoints to close when it closes a fit. */
  private static final long RELEASE_WAIT_MS = 10_000;
  private static final AtomicLong OPENED = new AtomicLong();
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

  /**
   * {@value #IDLE_CONF} of {@code conf} in milliseconds (default {@value #DEFAULT_IDLE}).
   *
   * @throws IllegalArgumentException in one line when it is not a positive time
   */
  public static long idleTimeoutMs(SparkConf conf) {
    long idle = conf.getTimeAsMs(IDLE_CONF, DEFAULT_IDLE);
    if (idle <= 0) {
      throw new IllegalArgumentException(IDLE_CONF + " must be a positive time (e.g. 60s), got " + conf.get(IDLE_CONF));
    }
    return idle;
  }

  /** Where an endpoint listens. */
  public record Address(String host, int port) implements Serializable {}

  private final Settings settings;
  private final int rank;
  /** The attempt this endpoint serves now: fixed for an endpoint of one job, set anew each job for one of a fit. */
  private volatile long attempt;
  private final TransportContext context;
  private final TransportServer server;
  private final TransportClientFactory clients;
  /** What this endpoint received; {@code null} for the rendezvous, which receives registrations only. */
  private final Inbox inbox;
  private final Map<Integer, TransportClient> peers = new HashMap<>();
  private final Map<Integer, Address> peerAddresses = new HashMap<>();
  private final Address address;
  /** A number of this endpoint, unique in this JVM (tells a reused endpoint from a new one on the same port). */
  private final long id = OPENED.incrementAndGet();
  private boolean closed;
  /** The fit this endpoint belongs to ({@code null}: one job's) and what the registry keeps about it. */
  private String fitId;
  private long idleMs;
  private boolean leased;
  private boolean released;
  private long lastUsed;
  private ScheduledFuture<?> idleCheck;
  /** The connection to the driver's rendezvous, kept between the jobs of a fit. */
  private TransportClient driver;
  private Address driverAddress;
  /** Whether the last registration said the fit goes on (keep this endpoint after the job). */
  private boolean keep;
  /** What a task of the fit left on this endpoint for the fit's next job ({@link #keepResident}), and its tag. */
  private Object resident;
  private long residentTag = -1;

  private MeshTransport(Settings settings, String host, int rank, long attempt, RpcHandler handler, Inbox inbox) {
    this.settings = settings;
    this.rank = rank;
    this.attempt = attempt;
    this.inbox = inbox;
    if (inbox != null) {
      inbox.owner = this;
    }
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

  /**
   * The endpoint of rank {@code rank} of fit {@code fitId} in this JVM for attempt {@code attempt}:
   * the one kept from an earlier job of the fit when there is one (same secret and settings, same
   * host, not in use by another task, not released), else a new one, kept for the fit's later
   * jobs when {@link #giveBack} is told the task succeeded. Messages of other attempts that are
   * still waiting in it are dropped.
   *
   * @param idleMs how long it stays open unused ({@value #IDLE_CONF})
   */
  public static MeshTransport lease(String fitId, long idleMs, Settings settings, String host, int rank,
      long attempt) {
    return Registry.lease(fitId, idleMs, settings, host, rank, attempt);
  }

  /**
   * Ends a task's use of {@code t}: an endpoint of one job is closed; one of a fit is kept for the
   * fit's next job when {@code succeeded} and the fit goes on (its idle time starts), else closed
   * and dropped from the registry, so that a retry starts clean.
   */
  public static void giveBack(MeshTransport t, boolean succeeded) {
    if (t.fitId == null) {
      t.close();
    } else {
      Registry.giveBack(t, succeeded);
    }
  }

  /** Endpoints of fit {@code fitId} open in this JVM (kept between jobs or in use). */
  static int openEndpoints(String fitId) {
    return Registry.count(fitId);
  }

  /** A number unique to this endpoint in this JVM: an endpoint reused by a fit's next job keeps it. */
  long id() {
    return id;
  }

  /** Starts a job of attempt {@code a} on this (kept) endpoint: what another attempt left in it is dropped. */
  private void begin(long a) {
    attempt = a;
    inbox.begin(a);
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
    TransportClient client;
    if (fitId != null && driver != null && rendezvous.equals(driverAddress) && driver.isActive()) {
      client = driver;
    } else {
      if (driver != null) {
        driver.close();
        driver = null;
      }
      client = connect(rendezvous, "the driver's rendezvous");
      if (fitId != null) {
        driver = client;
        driverAddress = rendezvous;
      }
    }
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
      keep = in.available() > 0 && in.readBoolean();
      return all;
    } catch (IOException e) {
      throw new IllegalStateException("meshgrad engine rank " + rank + ": bad rendezvous answer", e);
    } finally {
      if (client != driver) {
        client.close();
      }
    }
  }

  /**
   * Opens authenticated connections to every other rank of {@code all} (index = rank); a
   * connection kept from an earlier job is used again only when its rank's address is the same
   * and it is still open.
   */
  public void connect(List<Address> all) {
    peers.keySet().removeIf(r -> {
      if (r < all.size()) {
        return false;
      }
      peers.get(r).close();
      peerAddresses.remove(r);
      return true;
    });
    for (int r = 0; r < all.size(); r++) {
      if (r == rank) {
        continue;
      }
      TransportClient kept = peers.get(r);
      if (kept != null && all.get(r).equals(peerAddresses.get(r)) && kept.isActive()) {
        continue;
      }
      if (kept != null) {
        kept.close();
        peers.remove(r);
        peerAddresses.remove(r);
      }
      peers.put(r, connect(all.get(r), "rank " + r));
      peerAddresses.put(r, all.get(r));
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

  /**
   * Keeps {@code value} on this endpoint under {@code tag}, for a task of the fit's next job on
   * this executor ({@link #takeResident}); it goes when the endpoint closes (the fit's close, a
   * failed task, the idle timeout), and only an endpoint of a fit keeps anything.
   */
  public synchronized void keepResident(long tag, Object value) {
    if (fitId != null && !closed) {
      resident = value;
      residentTag = tag;
    }
  }

  /**
   * What {@link #keepResident} left under {@code tag}, or {@code null} (nothing, or under another
   * tag); in any case nothing is left after this, so that what a task changes in place is never
   * seen by another.
   */
  public synchronized Object takeResident(long tag) {
    Object r = residentTag == tag && tag >= 0 ? resident : null;
    resident = null;
    residentTag = -1;
    return r;
  }

  /**
   * The bytes the fit's listener offers under {@code token} for this endpoint's job ({@link
   * Fit#offerState}), asked for over the authenticated connection this endpoint registered on;
   * waits at most {@link Settings#timeoutMs()}.
   */
  public byte[] fetchState(long token) {
    TransportClient c = driver;
    if (c == null || !c.isActive()) {
      throw new IllegalStateException("meshgrad engine rank " + rank + " has no connection to its fit's listener");
    }
    Reply reply = new Reply();
    c.sendRpc(frame(STATE, attempt, rank, token, new byte[0]), reply);
    return reply.await(settings.timeoutMs(), "the state of the job's start from the driver");
  }

  /** Closes the connections and the server; its port is free again when this returns. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    resident = null;
    residentTag = -1;
    if (idleCheck != null) {
      idleCheck.cancel(false);
    }
    for (TransportClient c : peers.values()) {
      c.close();
    }
    peers.clear();
    peerAddresses.clear();
    if (driver != null) {
      driver.close();
      driver = null;
    }
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
    private volatile long attempt;
    private final Map<Long, byte[]> messages = new HashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private final StreamManager streams = new OneForOneStreamManager();
    /** The endpoint this inbox belongs to (set once it is made). */
    private MeshTransport owner;

    Inbox(long attempt) {
      this.attempt = attempt;
    }

    /** A new job on a kept endpoint: messages of another attempt still here are dropped. */
    synchronized void begin(long a) {
      attempt = a;
      messages.clear();
    }

    private static long key(int from, long round) {
      return (round << 20) | from;
    }

    @Override
    public void receive(TransportClient client, ByteBuffer message) {
      if (message.get(message.position()) == RELEASE) {
        receive(client, message, NO_ANSWER);
        return;
      }
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
      byte kind = message.get();
      if (kind == RELEASE && owner != null && owner.fitId != null) {
        message.getLong();
        message.getInt();
        message.getLong();
        byte[] id = new byte[message.remaining()];
        message.get(id);
        if (owner.fitId.equals(new String(id, java.nio.charset.StandardCharsets.UTF_8))) {
          // closing the server waits for its event loop: not on the event loop that delivered this
          Registry.release(owner, callback);
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

  /** The callback of a one-way message: there is nobody to answer. */
  private static final RpcResponseCallback NO_ANSWER = new RpcResponseCallback() {
    @Override
    public void onSuccess(ByteBuffer response) {}

    @Override
    public void onFailure(Throwable e) {}
  };

  // ------------------------------------------------------------------ rendezvous (driver)

  /**
   * Starts the driver's rendezvous for one job of {@code size} tasks of attempt {@code attempt},
   * listening on {@code host} (the driver's host): a listener of its own, closed with it (the
   * endpoints of such a job are closed at its end).
   */
  public static Rendezvous rendezvous(Settings settings, String host, int size, long attempt) {
    Registrations registrations = new Registrations(size, attempt, () -> false, a -> {});
    MeshTransport listener = new MeshTransport(settings, host, -1, attempt, registrations, null);
    return new Rendezvous(listener.address(), attempt, null, 0, listener::close);
  }

  /**
   * The driver's side of one job: collects the {@code size} endpoints' addresses and answers every
   * registration with all of them, in rank order, once per stage attempt (see {@link
   * Registrations}). Registrations of another job attempt are refused. Made by {@link #rendezvous}
   * (a listener of its own) or by a {@link Fit} (a group of the fit's listener).
   */
  public static final class Rendezvous implements AutoCloseable {
    private final Address address;
    private final long attempt;
    private final String fitId;
    private final long idleMs;
    private final Runnable onClose;
    private boolean closed;

    private Rendezvous(Address address, long attempt, String fitId, long idleMs, Runnable onClose) {
      this.address = address;
      this.attempt = attempt;
      this.fitId = fitId;
      this.idleMs = idleMs;
      this.onClose = onClose;
    }

    /** Where the endpoints register; travels in the task closure. */
    public Address address() {
      return address;
    }

    /** The attempt of the job whose registrations it takes. */
    public long attempt() {
      return attempt;
    }

    /** The fit whose endpoints register here, or {@code null} for a job's own rendezvous. */
    public String fitId() {
      return fitId;
    }

    /** {@value #IDLE_CONF} of the fit, in ms (0 for a job's own rendezvous). */
    public long idleMs() {
      return idleMs;
    }

    /** Stops taking registrations; the listener of a job's own rendezvous closes (its port is free again). */
    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        onClose.run();
      }
    }
  }

  /**
   * The rendezvous's handler: holds each registration's callback until all ranks of its attempt
   * are known, then answers them all (and whether their endpoints are kept after the job, {@code
   * keep}). A rendezvous serves every stage attempt of its job attempt (the attempt's high bits,
   * see {@code BarrierJob.tag}), each attempt a group of its own, and a group once answered starts
   * afresh: Spark may run the barrier stage again (a retried stage attempt, or a later job
   * recomputing the stage's lost output from lineage) and its tasks register again. A rank that
   * registers twice in an unanswered group replaces its earlier registration (a killed task's).
   */
  private static final class Registrations extends RpcHandler {
    private final int size;
    private final long attempt;
    private final BooleanSupplier keep;
    private final Consumer<Address> seen;
    private final Map<Long, TreeMap<Integer, Address>> addresses = new HashMap<>();
    private final Map<Long, TreeMap<Integer, RpcResponseCallback>> waiting = new HashMap<>();
    private final StreamManager streams = new OneForOneStreamManager();

    Registrations(int size, long attempt, BooleanSupplier keep, Consumer<Address> seen) {
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
        Address at;
        try {
          DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload));
          at = new Address(in.readUTF(), in.readInt());
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

    private static byte[] encode(List<Address> all, boolean keep) {
      try {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(all.size());
        for (Address a : all) {
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

  // ------------------------------------------------------------------ a fit (driver)

  /**
   * The driver's side of a fit's transport: one listener on the driver for the rendezvous of every
   * job of the fit ({@link #rendezvous}, each job a group of its own, told apart by the job's
   * attempt), and the fit's id, under which the executors keep their endpoints between the fit's
   * jobs ({@link MeshTransport#lease}). {@link #close} ends the fit: every endpoint that ever
   * registered is told to close (bounded by {@value #RELEASE_WAIT_MS} ms in all; one that does not
   * answer closes itself after {@value #IDLE_CONF}), later registrations are answered that the
   * fit is over (their endpoints close at the end of their task), and the listener closes once the
   * rendezvous still held (a sharded state's lineage may run a job's stage again) are closed too.
   */
  public static final class Fit implements AutoCloseable {
    private final Settings settings;
    private final String id;
    private final long idleMs;
    private final MeshTransport listener;
    private final Jobs jobs;
    private final Set<Address> endpoints = new LinkedHashSet<>();
    private long jobCount;
    private int openRendezvous;
    private boolean closed;

    private Fit(Settings settings, String host, long idleMs) {
      if (idleMs <= 0) {
        throw new IllegalArgumentException(IDLE_CONF + " must be positive, got " + idleMs + " ms");
      }
      this.settings = settings;
      byte[] b = new byte[16];
      new SecureRandom().nextBytes(b);
      this.id = HexFormat.of().formatHex(b);
      this.idleMs = idleMs;
      this.jobs = new Jobs();
      this.listener = new MeshTransport(settings, host, -1, 0, jobs, null);
    }

    /** A fit's transport with {@code settings}, its listener on {@code host} (the driver's host). */
    public static Fit open(Settings settings, String host, long idleMs) {
      return new Fit(settings, host, idleMs);
    }

    public Settings settings() {
      return settings;
    }

    /** The fit's id, under which executors keep its endpoints. */
    public String id() {
      return id;
    }

    /** Where the fit's listener is. */
    public Address address() {
      return listener.address();
    }

    /**
     * The attempt number of attempt {@code attempt} of the fit's next job: the job's number in the
     * fit in the high bits and {@code attempt} in the low 16, so that no two jobs of a fit share
     * one (messages of an earlier job are refused by a reused endpoint).
     */
    public synchronized long nextJob(long attempt) {
      if (attempt < 0 || attempt >= (1 << 16)) {
        throw new IllegalArgumentException("attempt must be in [0, 65536), got " + attempt);
      }
      return (++jobCount << 16) | attempt;
    }

    /**
     * Offers the bytes {@code state} makes (for the asking rank) to the endpoints of this fit's
     * open jobs that ask for {@code token} ({@link MeshTransport#fetchState}), until {@link
     * #withdrawState}. {@code state} runs on the listener's thread, once per request.
     */
    public void offerState(long token, java.util.function.IntFunction<byte[]> state) {
      jobs.states.put(token, state);
    }

    /** Stops offering what {@link #offerState} offered under {@code token}. */
    public void withdrawState(long token) {
      jobs.states.remove(token);
    }

    /**
     * The rendezvous of a job of {@code size} tasks whose messages carry {@code attempt} (see
     * {@code BarrierJob.tag}): a group of the fit's listener until it is closed.
     */
    public synchronized Rendezvous rendezvous(int size, long attempt) {
      if (closed) {
        throw new IllegalStateException("this fit's transport is closed");
      }
      Registrations group = new Registrations(size, attempt, this::goesOn, this::seen);
      jobs.open(attempt >>> 16, group);
      openRendezvous++;
      return new Rendezvous(listener.address(), attempt, id, idleMs, () -> closeGroup(attempt >>> 16));
    }

    private synchronized boolean goesOn() {
      return !closed;
    }

    private synchronized void seen(Address a) {
      endpoints.add(a);
    }

    private void closeGroup(long job) {
      boolean last;
      synchronized (this) {
        jobs.close(job);
        last = --openRendezvous == 0 && closed;
      }
      if (last) {
        listener.close();
      }
    }

    /** Whether {@link #close} was called. */
    public synchronized boolean isClosed() {
      return closed;
    }

    /**
     * Ends the fit: tells every endpoint that registered to close and waits for them (bounded), then
     * closes the listener unless a rendezvous is still held. A second call does nothing.
     */
    @Override
    public void close() {
      List<Address> targets;
      boolean last;
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        targets = new ArrayList<>(endpoints);
        endpoints.clear();
        last = openRendezvous == 0;
      }
      try {
        release(targets);
      } finally {
        if (last) {
          listener.close();
        }
      }
    }

    /** Asks each endpoint at {@code targets} to close, all at once, and waits at most {@value #RELEASE_WAIT_MS} ms in all. */
    private void release(List<Address> targets) {
      if (targets.isEmpty()) {
        return;
      }
      byte[] idBytes = id.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      long bound = Math.min(RELEASE_WAIT_MS, settings.timeoutMs());
      List<Thread> threads = new ArrayList<>();
      List<String> missed = java.util.Collections.synchronizedList(new ArrayList<>());
      for (Address to : targets) {
        Thread t = new Thread(() -> {
          TransportClient c = null;
          try {
            c = listener.clients.createUnmanagedClient(to.host(), to.port());
            // one way, confirmed by the endpoint closing this connection (its close ends every connection to it): an
            // answer would race that close and end in ERROR lines of Spark's TransportRequestHandler/ResponseHandler
            c.send(frame(RELEASE, 0, -1, 0, idBytes));
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
            + "after {}", missed, IDLE_CONF);
      }
    }

    @Override
    public String toString() {
      return "MeshTransport.Fit(" + listener.address().host() + ":" + listener.address().port() + ", "
          + (closed ? "closed" : "open") + ")";
    }
  }

  /** The fit listener's handler: hands each registration to the group of its job (the attempt's high bits). */
  private static final class Jobs extends RpcHandler {
    private final Map<Long, Registrations> groups = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Long, java.util.function.IntFunction<byte[]>> states =
        new java.util.concurrent.ConcurrentHashMap<>();
    private final StreamManager streams = new OneForOneStreamManager();

    void open(long job, Registrations group) {
      groups.put(job, group);
    }

    void close(long job) {
      groups.remove(job);
    }

    @Override
    public void receive(TransportClient client, ByteBuffer message, RpcResponseCallback callback) {
      ByteBuffer peek = message.duplicate();
      byte kind = peek.get();
      long a = peek.getLong();
      Registrations group = groups.get(a >>> 16);
      if (kind == STATE) {
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

  // ------------------------------------------------------------------ the executor's endpoints of fits

  /**
   * This JVM's endpoints of fits, by fit id and rank, kept between the fit's jobs: at most one
   * registered per (fit, rank); one in use by a task is never handed to another (a task of a new
   * attempt that finds its rank's endpoint still in use, a killed task's, gets a new one, and the
   * old one closes when its task ends). Idle endpoints close after their fit's idle time.
   */
  private static final class Registry {
    private static final Map<String, MeshTransport> KEPT = new HashMap<>();
    private static ScheduledThreadPoolExecutor timer;

    private Registry() {}

    private static String key(String fitId, int rank) {
      return fitId + "/" + rank;
    }

    static MeshTransport lease(String fitId, long idleMs, Settings settings, String host, int rank, long attempt) {
      MeshTransport stale = null;
      MeshTransport t;
      synchronized (Registry.class) {
        String key = key(fitId, rank);
        MeshTransport kept = KEPT.get(key);
        if (kept != null && !kept.leased && !kept.released && !kept.closed && kept.settings.equals(settings)
            && kept.address.host().equals(host)) {
          kept.leased = true;
          if (kept.idleCheck != null) {
            kept.idleCheck.cancel(false);
            kept.idleCheck = null;
          }
          kept.begin(attempt);
          return kept;
        }
        if (kept != null) {
          KEPT.remove(key);
          if (!kept.leased) {
            stale = kept;
          }
        }
        t = open(settings, host, rank, attempt);
        t.fitId = fitId;
        t.idleMs = idleMs;
        t.leased = true;
        KEPT.put(key, t);
      }
      if (stale != null) {
        stale.close();
      }
      return t;
    }

    static void giveBack(MeshTransport t, boolean succeeded) {
      synchronized (Registry.class) {
        t.leased = false;
        t.lastUsed = System.nanoTime();
        String key = key(t.fitId, t.rank);
        boolean registered = KEPT.get(key) == t;
        if (succeeded && registered && t.keep && !t.released && !t.closed) {
          t.idleCheck = timer().schedule(() -> closeIfIdle(t), t.idleMs, TimeUnit.MILLISECONDS);
          return;
        }
        if (registered) {
          KEPT.remove(key);
        }
      }
      t.close();
    }

    private static void closeIfIdle(MeshTransport t) {
      synchronized (Registry.class) {
        String key = key(t.fitId, t.rank);
        if (KEPT.get(key) != t || t.leased || System.nanoTime() - t.lastUsed < t.idleMs * 1_000_000L) {
          return;
        }
        KEPT.remove(key);
      }
      LOG.info("meshgrad engine: closing {}, idle for {} ms ({})", t, t.idleMs, IDLE_CONF);
      t.close();
    }

    /** The driver's close of {@code t}'s fit: closes it now, or when its task ends if one uses it; then answers. */
    static void release(MeshTransport t, RpcResponseCallback callback) {
      timer().execute(() -> {
        boolean close;
        synchronized (Registry.class) {
          t.released = true;
          String key = key(t.fitId, t.rank);
          close = !t.leased;
          if (close && KEPT.get(key) == t) {
            KEPT.remove(key);
          }
        }
        try {
          callback.onSuccess(ByteBuffer.allocate(0));
        } finally {
          if (close) {
            t.close();
          }
        }
      });
    }

    static synchronized int count(String fitId) {
      int n = 0;
      for (MeshTransport t : KEPT.values()) {
        n += t.fitId.equals(fitId) ? 1 : 0;
      }
      return n;
    }

    private static synchronized ScheduledThreadPoolExecutor timer() {
      if (timer == null) {
        timer = new ScheduledThreadPoolExecutor(1, r -> {
          Thread th = new Thread(r, "meshgrad-engine-endpoints");
          th.setDaemon(true);
          return th;
        });
        timer.setRemoveOnCancelPolicy(true);
        timer.setKeepAliveTime(10, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
      }
      return timer;
    }
  }

  @Override
  public String toString() {
    return "MeshTransport(rank " + rank + ", attempt " + attempt + ", " + address.host() + ":" + address.port()
        + (settings.encrypted() ? ", encrypted" : "") + ")";
  }
}
