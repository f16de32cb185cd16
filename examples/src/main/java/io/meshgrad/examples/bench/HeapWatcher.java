package io.meshgrad.examples.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Peak heap of this JVM over a region, two ways: the largest heap in use that a sampler thread saw
 * (MemoryMXBean every 5 ms: live data and garbage), and the largest heap left after a garbage
 * collection (GC notifications: closer to what the process really holds). In local mode the
 * executors run in this JVM, so both include the tasks' memory and the cached blocks, not only
 * the driver's.
 */
final class HeapWatcher implements AutoCloseable {
  private final AtomicLong peakUsed = new AtomicLong();
  private final AtomicLong peakAfterGc = new AtomicLong();
  private final List<NotificationEmitter> emitters = new ArrayList<>();
  private final NotificationListener listener = this::onGc;
  private final Thread sampler;
  private volatile boolean running = true;

  HeapWatcher() {
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter e) {
        e.addNotificationListener(listener, null, null);
        emitters.add(e);
      }
    }
    sampler = new Thread(() -> {
      while (running) {
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        peakUsed.accumulateAndGet(used, Math::max);
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "bench-heap-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  /** Starts a new region: collects garbage first, so the region starts from what is live. */
  void reset() {
    System.gc();
    try {
      Thread.sleep(200); // let the notification of that collection arrive before the counters restart
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    peakUsed.set(used);
    peakAfterGc.set(used);
  }

  /** Heap in use right after a full collection. */
  static long liveNow() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  long peakUsed() {
    return peakUsed.get();
  }

  long peakAfterGc() {
    return peakAfterGc.get();
  }

  private void onGc(Notification n, Object handback) {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
      return;
    }
    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
    long after = 0;
    long before = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() != MemoryType.HEAP) {
        continue;
      }
      MemoryUsage a = info.getGcInfo().getMemoryUsageAfterGc().get(pool.getName());
      MemoryUsage b = info.getGcInfo().getMemoryUsageBeforeGc().get(pool.getName());
      after += a == null ? 0 : a.getUsed();
      before += b == null ? 0 : b.getUsed();
    }
    peakAfterGc.accumulateAndGet(after, Math::max);
    peakUsed.accumulateAndGet(before, Math::max);
  }

  @Override
  public void close() {
    running = false;
    sampler.interrupt();
    for (NotificationEmitter e : emitters) {
      try {
        e.removeNotificationListener(listener);
      } catch (ListenerNotFoundException ignored) {
        // already gone
      }
    }
  }
}
