package io.meshgrad.examples.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises the {@code jdk.ExecutionSample} events of a JFR recording: the methods most often on
 * top of the stack (self), the meshgrad/MLlib methods most often anywhere on it (total), and the
 * threads sampled. Enough to say where a benchmark's time goes without a GUI. Record with {@code
 * MESHGRAD_JAVA_OPTS="-Xmx4g -XX:StartFlightRecording=filename=run.jfr,settings=profile"}.
 */
final class JfrSummary {
  private JfrSummary() {}

  static void print(Path file, int top, PrintStream out) throws IOException {
    Map<String, Integer> self = new HashMap<>();
    Map<String, Integer> total = new HashMap<>();
    Map<String, Integer> threads = new HashMap<>();
    int samples = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
      if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
        continue;
      }
      RecordedStackTrace st = e.getStackTrace();
      if (st == null || st.getFrames().isEmpty()) {
        continue;
      }
      samples++;
      List<RecordedFrame> frames = st.getFrames();
      self.merge(name(frames.get(0)), 1, Integer::sum);
      Set<String> seen = new HashSet<>();
      for (RecordedFrame f : frames) {
        String n = name(f);
        if (isOurs(n) && seen.add(n)) {
          total.merge(n, 1, Integer::sum);
        }
      }
      var thread = e.getThread("sampledThread");
      String tn = thread == null ? "?" : thread.getJavaName();
      threads.merge(tn == null ? "?" : tn.replaceAll("\\d+", "N"), 1, Integer::sum);
    }
    out.printf("%d execution samples in %s%n", samples, file);
    section(out, "self (top of stack)", self, samples, top);
    section(out, "total (meshgrad, MLlib, Spark aggregation frames anywhere on the stack)", total, samples, top);
    section(out, "threads", threads, samples, top);
  }

  private static boolean isOurs(String method) {
    return method.startsWith("io.meshgrad.") || method.startsWith("org.apache.spark.mllib.")
        || method.startsWith("org.apache.spark.ml.") || method.contains("treeAggregate")
        || method.startsWith("org.apache.spark.broadcast.") || method.startsWith("org.apache.spark.serializer.")
        || method.startsWith("org.apache.spark.scheduler.DAGScheduler.runJob");
  }

  private static String name(RecordedFrame f) {
    var m = f.getMethod();
    return m == null ? "?" : m.getType().getName() + "." + m.getName();
  }

  private static void section(PrintStream out, String title, Map<String, Integer> counts, int samples, int top) {
    out.printf("%n%s:%n", title);
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(top)
        .forEach(en -> out.printf("  %5.1f%%  %6d  %s%n", 100.0 * en.getValue() / Math.max(samples, 1), en.getValue(),
            en.getKey()));
  }
}
