package io.meshgrad.runtime.engine;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkConf;
import org.apache.spark.network.client.TransportClient;
import scala.Tuple2;

/**
 * The engine's transport, as the engine uses it: an <b>endpoint</b> of one task of a barrier stage
 * (an instance, {@link #open}/{@link #lease}), the driver's side of a <b>fit</b> ({@link Fit}) and
 * of one job ({@link #rendezvous}), and the settings all of them share ({@link Settings}). The
 * parts live in classes of their own in this package: {@link AuthenticatedNetwork} (the one place
 * Spark's network layer is set up), {@link Frame} (the messages' framing), {@link EndpointInbox}
 * (what an endpoint received), {@link RendezvousRegistrations} and {@link Rendezvous} (a job's
 * rendezvous), {@link FitRequests} (the fit listener's handler), {@link FitEndpoints} (an
 * executor's endpoints kept between a fit's jobs), {@link FitRelease} (the driver's close of
 * them), {@link ResidentState} (what a task leaves on its endpoint for the next job) and {@link
 * BoundedReply}/{@link TaskWaits} (the bounded waits).
 *
 * <p>An endpoint is a server bound to its executor's host on a free port, and clients to its
 * peers; it sends byte payloads to a peer ({@link #send}) and waits for one from a peer ({@link
 * #receive}), each tagged with the sender's rank (its partition id) and a round number. A
 * rendezvous runs on the driver for one job: each endpoint registers its address there once
 * ({@link #register}) and gets every rank's address back when all have registered; after that the
 * driver is out of the data path.
 *
 * <p>Security: every connection is authenticated with a secret made for the fit on the driver
 * ({@link Settings#forFit}) and shipped in the task closure ({@link AuthenticatedNetwork}; with
 * {@code spark.network.crypto.enabled} the channel is also encrypted). A peer without the secret
 * is refused at the handshake. Every message carries the attempt it belongs to (the job attempt
 * and the stage attempt); a message of another attempt is refused and counted ({@link
 * #refusedMessages}).
 *
 * <p>Every wait is bounded by {@link Settings#timeoutMs()} ({@value #TIMEOUT_CONF}, default
 * {@value #DEFAULT_TIMEOUT}) and interruptible: it polls the task's {@code isInterrupted()} and
 * the thread's interrupt flag, so a killed task stops waiting at once and a dead or hung peer
 * fails the task within the bound instead of hanging the job.
 *
 * <p>Lifetime. An endpoint {@linkplain #open opened} for one job lives for that job. An endpoint of
 * a <b>fit</b> ({@link Fit}, the driver's side: one listener for every job's rendezvous) lives for
 * the whole fit on its executor: a task {@linkplain #lease leases} it (its server, client factory,
 * event loops and open connections, kept in this JVM's {@link FitEndpoints} by the fit's id and
 * the rank), re-registers it with the job's rendezvous (the peers' addresses are checked again
 * every job, and a connection whose peer moved or closed is made anew) and {@linkplain #giveBack
 * gives it back} when the task ends; a task that failed closes it, so a retry starts clean. Each
 * job of a fit carries its own number in every message's attempt, so a message of an earlier job
 * or attempt is refused as before. An endpoint of a fit is closed when the driver closes the fit
 * ({@link FitRelease}), when it has been idle for {@value #IDLE_CONF} (default {@value
 * #DEFAULT_IDLE}: the backstop for a driver that died or never closed its fit), or when a
 * registration answers that the fit is closing.
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

  private static final AtomicLong OPENED = new AtomicLong();

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
  private final AuthenticatedNetwork network;
  /** What this endpoint received; it also holds the attempt this endpoint serves now. */
  private final EndpointInbox inbox;
  private final Map<Integer, TransportClient> peers = new HashMap<>();
  private final Map<Integer, Address> peerAddresses = new HashMap<>();
  private final Address address;
  /** A number of this endpoint, unique in this JVM (tells a reused endpoint from a new one on the same port). */
  private final long id = OPENED.incrementAndGet();
  private volatile boolean closed;
  /** The fit this endpoint belongs to and what {@link FitEndpoints} keeps about it; {@code null}: one job's. */
  private final FitEndpoints.Membership membership;
  /** The connection to the driver's rendezvous, kept between the jobs of a fit. */
  private TransportClient driver;
  private Address driverAddress;
  /** Whether the last registration said the fit goes on (keep this endpoint after the job). */
  private volatile boolean keep;
  /** What a task of the fit left on this endpoint for the fit's next job ({@link #keepResident}). */
  private final ResidentState resident = new ResidentState();

  private MeshTransport(Settings settings, String host, int rank, long attempt, FitEndpoints.Membership membership) {
    this.settings = settings;
    this.rank = rank;
    this.membership = membership;
    this.inbox = new EndpointInbox(attempt);
    this.network = new AuthenticatedNetwork(settings, host, inbox);
    this.address = new Address(host, network.port());
    inbox.onRelease((fitId, callback) -> {
      if (membership == null || !membership.fitId.equals(fitId)) {
        return false;
      }
      // closing the server waits for its event loop: not on the event loop that delivered this
      FitEndpoints.release(this, callback);
      return true;
    });
  }

  /**
   * An endpoint of rank {@code rank} for attempt {@code attempt}, listening on {@code host} (the
   * executor's host address) on a free port.
   */
  public static MeshTransport open(Settings settings, String host, int rank, long attempt) {
    return new MeshTransport(settings, host, rank, attempt, null);
  }

  /** A new endpoint of a fit ({@link FitEndpoints#lease}). */
  static MeshTransport ofFit(Settings settings, String host, int rank, long attempt,
      FitEndpoints.Membership membership) {
    return new MeshTransport(settings, host, rank, attempt, membership);
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
    return FitEndpoints.lease(fitId, idleMs, settings, host, rank, attempt);
  }

  /**
   * Ends a task's use of {@code t}: an endpoint of one job is closed; one of a fit is kept for the
   * fit's next job when {@code succeeded} and the fit goes on (its idle time starts), else closed
   * and dropped from the registry, so that a retry starts clean.
   */
  public static void giveBack(MeshTransport t, boolean succeeded) {
    if (t.membership == null) {
      t.close();
    } else {
      FitEndpoints.giveBack(t, succeeded);
    }
  }

  /** Endpoints of fit {@code fitId} open in this JVM (kept between jobs or in use). */
  static int openEndpoints(String fitId) {
    return FitEndpoints.count(fitId);
  }

  /** A number unique to this endpoint in this JVM: an endpoint reused by a fit's next job keeps it. */
  long id() {
    return id;
  }

  /** Starts a job of attempt {@code a} on this (kept) endpoint: what another attempt left in it is dropped. */
  void begin(long a) {
    inbox.begin(a);
  }

  /** The settings this endpoint was opened with. */
  Settings settings() {
    return settings;
  }

  /** Its fit's membership in {@link FitEndpoints}, {@code null} for an endpoint of one job. */
  FitEndpoints.Membership membership() {
    return membership;
  }

  /** Whether the last registration said the fit goes on. */
  boolean fitGoesOn() {
    return keep;
  }

  /** Whether it was closed. */
  boolean isClosed() {
    return closed;
  }

  /** Where this endpoint listens. */
  public Address address() {
    return address;
  }

  /** Its rank: its task's partition id. */
  public int rank() {
    return rank;
  }

  /** Messages refused so far because they belonged to another attempt. */
  public long refusedMessages() {
    return inbox.refused();
  }

  /**
   * Registers this endpoint with the driver's rendezvous and waits (bounded, interruptible) for
   * every rank's address, in rank order.
   */
  public List<Address> register(Address rendezvous) {
    TransportClient client;
    if (membership != null && driver != null && rendezvous.equals(driverAddress) && driver.isActive()) {
      client = driver;
    } else {
      if (driver != null) {
        driver.close();
        driver = null;
      }
      client = connect(rendezvous, "the driver's rendezvous");
      if (membership != null) {
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
      BoundedReply reply = new BoundedReply();
      client.sendRpc(Frame.of(Frame.REGISTER, inbox.attempt(), rank, 0, bytes.toByteArray()), reply);
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
      return network.connect(to.host(), to.port());
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("meshgrad engine rank " + rank + " (attempt " + inbox.attempt() + ") could not connect "
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
    c.send(Frame.of(Frame.DATA, inbox.attempt(), rank, round, payload));
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
    if (membership != null && !closed) {
      resident.keep(tag, value);
    }
  }

  /**
   * What {@link #keepResident} left under {@code tag}, or {@code null} (nothing, or under another
   * tag); in any case nothing is left after this, so that what a task changes in place is never
   * seen by another.
   */
  public synchronized Object takeResident(long tag) {
    return resident.take(tag);
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
    BoundedReply reply = new BoundedReply();
    c.sendRpc(Frame.of(Frame.STATE, inbox.attempt(), rank, token, new byte[0]), reply);
    return reply.await(settings.timeoutMs(), "the state of the job's start from the driver");
  }

  /** Closes the connections and the server; its port is free again when this returns. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    resident.clear();
    if (membership != null) {
      synchronized (FitEndpoints.class) {
        if (membership.idleCheck != null) {
          membership.idleCheck.cancel(false);
        }
      }
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
    network.close();
  }

  // ------------------------------------------------------------------ the driver's side

  /**
   * Starts the driver's rendezvous for one job of {@code size} tasks of attempt {@code attempt},
   * listening on {@code host} (the driver's host): a listener of its own, closed with it (the
   * endpoints of such a job are closed at its end).
   */
  public static Rendezvous rendezvous(Settings settings, String host, int size, long attempt) {
    RendezvousRegistrations registrations = new RendezvousRegistrations(size, attempt, () -> false, a -> {});
    AuthenticatedNetwork listener = new AuthenticatedNetwork(settings, host, registrations);
    return new Rendezvous(new Address(host, listener.port()), attempt, null, 0, listener::close);
  }

  /**
   * The driver's side of a fit's transport: one listener on the driver for the rendezvous of every
   * job of the fit ({@link #rendezvous}, each job a group of its own, told apart by the job's
   * attempt), and the fit's id, under which the executors keep their endpoints between the fit's
   * jobs ({@link MeshTransport#lease}). {@link #close} ends the fit: every endpoint that ever
   * registered is told to close (bounded by {@value FitRelease#RELEASE_WAIT_MS} ms in all; one that does not
   * answer closes itself after {@value #IDLE_CONF}), later registrations are answered that the
   * fit is over (their endpoints close at the end of their task), and the listener closes once the
   * rendezvous still held (a sharded state's lineage may run a job's stage again) are closed too.
   */
  public static final class Fit implements AutoCloseable {
    private final Settings settings;
    private final String id;
    private final long idleMs;
    private final AuthenticatedNetwork listener;
    private final Address address;
    private final FitRequests requests;
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
      this.requests = new FitRequests();
      this.listener = new AuthenticatedNetwork(settings, host, requests);
      this.address = new Address(host, listener.port());
    }

    /** A fit's transport with {@code settings}, its listener on {@code host} (the driver's host). */
    public static Fit open(Settings settings, String host, long idleMs) {
      return new Fit(settings, host, idleMs);
    }

    /** The settings every endpoint of the fit gets. */
    public Settings settings() {
      return settings;
    }

    /** The fit's id, under which executors keep its endpoints. */
    public String id() {
      return id;
    }

    /** Where the fit's listener is. */
    public Address address() {
      return address;
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
      requests.offerState(token, state);
    }

    /** Stops offering what {@link #offerState} offered under {@code token}. */
    public void withdrawState(long token) {
      requests.withdrawState(token);
    }

    /**
     * The rendezvous of a job of {@code size} tasks whose messages carry {@code attempt} (see
     * {@code BarrierJob.tag}): a group of the fit's listener until it is closed.
     */
    public synchronized Rendezvous rendezvous(int size, long attempt) {
      if (closed) {
        throw new IllegalStateException("this fit's transport is closed");
      }
      RendezvousRegistrations group = new RendezvousRegistrations(size, attempt, this::goesOn, this::seen);
      requests.open(attempt >>> 16, group);
      openRendezvous++;
      return new Rendezvous(address, attempt, id, idleMs, () -> closeGroup(attempt >>> 16));
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
        requests.close(job);
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

    /** Asks each endpoint at {@code targets} to close ({@link FitRelease}). */
    private void release(List<Address> targets) {
      FitRelease.release(listener, id, targets, settings.timeoutMs());
    }

    @Override
    public String toString() {
      return "MeshTransport.Fit(" + address.host() + ":" + address.port() + ", "
          + (closed ? "closed" : "open") + ")";
    }
  }

  @Override
  public String toString() {
    return "MeshTransport(rank " + rank + ", attempt " + inbox.attempt() + ", " + address.host() + ":" + address.port()
        + (settings.encrypted() ? ", encrypted" : "") + ")";
  }
}
