package io.meshgrad.examples.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises the {@code jdk.ExecutionSample} events of a JFR recording: per side and case (the
 * samples taken inside that side's {@link BenchRegion}s of the case, all threads; or the whole
 * recording when it has no regions), the methods most often on top of the stack (self), the methods most often anywhere
 * on it (total, generic frames left out) and the threads sampled. Enough to say where a
 * benchmark's CPU time goes without a GUI. Record with {@code
 * MESHGRAD_JAVA_OPTS="-Xmx4g -XX:StartFlightRecording=filename=run.jfr,settings=profile"}, e.g.
 * with {@code --only meshgrad}.
 */
final class JfrSummary {
  private JfrSummary() {}

  private record Region(Instant start, Instant end, String side, String caseName) {}

  private static final class Counts {
    final Map<String, Integer> self = new HashMap<>();
    final Map<String, Integer> total = new HashMap<>();
    final Map<String, Integer> threads = new HashMap<>();
    int samples;
    int gcs;
    double gcPauseSeconds;
  }

  static void print(Path file, int top, PrintStream out) throws IOException {
    List<RecordedEvent> events = RecordingFile.readAllEvents(file);
    List<Region> regions = new ArrayList<>();
    double regionSeconds = 0;
    Map<String, Double> secondsBySide = new HashMap<>();
    for (RecordedEvent e : events) {
      if (e.getEventType().getName().equals("io.meshgrad.bench.Region")) {
        Region r = new Region(e.getStartTime(), e.getEndTime(), e.getString("side"), e.getString("caseName"));
        regions.add(r);
        double s = e.getDuration().toNanos() / 1e9;
        secondsBySide.merge(r.side(), s, Double::sum);
        regionSeconds += s;
      }
    }
    Map<String, Counts> bySide = new LinkedHashMap<>();
    for (RecordedEvent e : events) {
      if (e.getEventType().getName().equals("jdk.GarbageCollection")) {
        String side = regions.isEmpty() ? "whole recording" : sideAt(regions, e.getStartTime());
        if (side != null) {
          Counts c = bySide.computeIfAbsent(side, k -> new Counts());
          c.gcs++;
          c.gcPauseSeconds += e.getDuration("sumOfPauses").toNanos() / 1e9;
        }
        continue;
      }
      if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null
          || e.getStackTrace().getFrames().isEmpty()) {
        continue;
      }
      String side = regions.isEmpty() ? "whole recording" : sideAt(regions, e.getStartTime());
      if (side == null) {
        continue;
      }
      Counts c = bySide.computeIfAbsent(side, k -> new Counts());
      c.samples++;
      List<RecordedFrame> frames = e.getStackTrace().getFrames();
      c.self.merge(name(frames.get(0)), 1, Integer::sum);
      Set<String> seen = new HashSet<>();
      for (RecordedFrame f : frames) {
        String n = name(f);
        if (!isGeneric(n) && seen.add(n)) {
          c.total.merge(n, 1, Integer::sum);
        }
      }
      var thread = e.getThread("sampledThread");
      String tn = thread == null || thread.getJavaName() == null ? "?" : thread.getJavaName();
      c.threads.merge(tn.replaceAll("\\d+", "N"), 1, Integer::sum);
    }
    out.printf("%s: %d bench regions (%.1f s)%n", file, regions.size(), regionSeconds);
    secondsBySide.forEach((side, s) -> out.printf("  %s: %.1f s in regions%n", side, s));
    Map<String, Double> byCase = new LinkedHashMap<>();
    regions.forEach(r -> byCase.merge(r.side() + " / " + r.caseName(),
        java.time.Duration.between(r.start(), r.end()).toNanos() / 1e9, Double::sum));
    byCase.forEach((k, s) -> out.printf("    %s: %.1f s%n", k, s));
    bySide.forEach((side, c) -> {
      out.printf("%n=== %s: %d execution samples; %d GCs, %.2f s of GC pauses ===%n", side, c.samples, c.gcs,
          c.gcPauseSeconds);
      section(out, "self (top of stack)", c.self, c.samples, top);
      section(out, "total (anywhere on the stack; generic frames left out)", c.total, c.samples, top);
      section(out, "threads", c.threads, c.samples, top);
    });
  }

  private static String sideAt(List<Region> regions, Instant t) {
    for (Region r : regions) {
      if (!t.isBefore(r.start()) && !t.isAfter(r.end())) {
        return r.side() + " / " + r.caseName();
      }
    }
    return null;
  }

  private static boolean isGeneric(String method) {
    return method.startsWith("java.lang.Thread.") || method.startsWith("java.util.concurrent.ThreadPoolExecutor")
        || method.startsWith("scala.runtime.") || method.startsWith("scala.Function")
        || method.startsWith("io.meshgrad.examples.") || method.startsWith("jdk.internal.reflect.")
        || method.startsWith("java.lang.reflect.") || method.contains("$$Lambda")
        || method.startsWith("org.apache.spark.util.Utils$.tryWithSafeFinally")
        || method.startsWith("org.apache.spark.util.Utils$.logUncaughtExceptions");
  }

  private static String name(RecordedFrame f) {
    var m = f.getMethod();
    return m == null ? "?" : m.getType().getName() + "." + m.getName();
  }

  private static void section(PrintStream out, String title, Map<String, Integer> counts, int samples, int top) {
    out.printf("%s:%n", title);
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(top)
        .forEach(en -> out.printf("  %5.1f%%  %6d  %s%n", 100.0 * en.getValue() / Math.max(samples, 1), en.getValue(),
            en.getKey()));
  }
}
