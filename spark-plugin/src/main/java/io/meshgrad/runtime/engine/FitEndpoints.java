package io.meshgrad.runtime.engine;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.spark.network.client.RpcResponseCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This JVM's endpoints of fits, by fit id and rank, kept between the fit's jobs: at most one
 * registered per (fit, rank); one in use by a task is never handed to another (a task of a new
 * attempt that finds its rank's endpoint still in use, a killed task's, gets a new one, and the
 * old one closes when its task ends). Idle endpoints close after their fit's idle time
 * ({@value MeshTransport#IDLE_CONF}).
 */
final class FitEndpoints {
  private static final Logger LOG = LoggerFactory.getLogger(MeshTransport.class);
  private static final Map<String, MeshTransport> KEPT = new HashMap<>();
  private static ScheduledThreadPoolExecutor timer;

  private FitEndpoints() {}

  /** What the registry keeps about an endpoint of a fit; guarded by the registry's lock. */
  static final class Membership {
    final String fitId;
    final long idleMs;
    boolean leased;
    boolean released;
    long lastUsed;
    ScheduledFuture<?> idleCheck;

    Membership(String fitId, long idleMs) {
      this.fitId = fitId;
      this.idleMs = idleMs;
    }
  }

  private static String key(String fitId, int rank) {
    return fitId + "/" + rank;
  }

  /** {@link MeshTransport#lease}. */
  static MeshTransport lease(String fitId, long idleMs, MeshTransport.Settings settings, String host, int rank,
      long attempt) {
    MeshTransport stale = null;
    MeshTransport t;
    synchronized (FitEndpoints.class) {
      String key = key(fitId, rank);
      MeshTransport kept = KEPT.get(key);
      Membership m = kept == null ? null : kept.membership();
      if (kept != null && !m.leased && !m.released && !kept.isClosed() && kept.settings().equals(settings)
          && kept.address().host().equals(host)) {
        m.leased = true;
        if (m.idleCheck != null) {
          m.idleCheck.cancel(false);
          m.idleCheck = null;
        }
        kept.begin(attempt);
        return kept;
      }
      if (kept != null) {
        KEPT.remove(key);
        if (!m.leased) {
          stale = kept;
        }
      }
      t = MeshTransport.ofFit(settings, host, rank, attempt, new Membership(fitId, idleMs));
      t.membership().leased = true;
      KEPT.put(key, t);
    }
    if (stale != null) {
      stale.close();
    }
    return t;
  }

  /** {@link MeshTransport#giveBack} of an endpoint of a fit. */
  static void giveBack(MeshTransport t, boolean succeeded) {
    Membership m = t.membership();
    synchronized (FitEndpoints.class) {
      m.leased = false;
      m.lastUsed = System.nanoTime();
      String key = key(m.fitId, t.rank());
      boolean registered = KEPT.get(key) == t;
      if (succeeded && registered && t.fitGoesOn() && !m.released && !t.isClosed()) {
        m.idleCheck = timer().schedule(() -> closeIfIdle(t), m.idleMs, TimeUnit.MILLISECONDS);
        return;
      }
      if (registered) {
        KEPT.remove(key);
      }
    }
    t.close();
  }

  private static void closeIfIdle(MeshTransport t) {
    Membership m = t.membership();
    synchronized (FitEndpoints.class) {
      String key = key(m.fitId, t.rank());
      if (KEPT.get(key) != t || m.leased || System.nanoTime() - m.lastUsed < m.idleMs * 1_000_000L) {
        return;
      }
      KEPT.remove(key);
    }
    LOG.info("meshgrad engine: closing {}, idle for {} ms ({})", t, m.idleMs, MeshTransport.IDLE_CONF);
    t.close();
  }

  /** The driver's close of {@code t}'s fit: closes it now, or when its task ends if one uses it; then answers. */
  static void release(MeshTransport t, RpcResponseCallback callback) {
    Membership m = t.membership();
    timer().execute(() -> {
      boolean close;
      synchronized (FitEndpoints.class) {
        m.released = true;
        String key = key(m.fitId, t.rank());
        close = !m.leased;
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

  /** Endpoints of fit {@code fitId} open in this JVM (kept between jobs or in use). */
  static synchronized int count(String fitId) {
    int n = 0;
    for (MeshTransport t : KEPT.values()) {
      n += t.membership().fitId.equals(fitId) ? 1 : 0;
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
