package io.meshgrad.examples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.examples.ErrorReport;
import io.meshgrad.testing.StandaloneCluster;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bin/meshgrad bench}: runs one suite in this process, prints a table and optionally writes
 * JSON {@code {"suite", "cases": [{"name", "meshgrad", "peer", "peerName", "unit", "ratio", ...}]}}.
 * See {@code BENCHMARKS.md} at the repository root.
 */
public final class BenchCommand {
  /** The usage line(s) for {@code bin/meshgrad --help}. */
  public static final String USAGE = """
        bench --suite NAME [--quick] [--json FILE] [--master URL | --standalone N] [--data-dir DIR]
              [--partitions N] [--reps N] [--steps N] [--rows N] [--only meshgrad|peer]
              [--cases GROUP] [--verbose]
                                          benchmark meshgrad against its peer (MLlib, a streaming
                                          triad, a bare Spark job) in this process, print a table;
                                          --quick finishes in minutes; BENCHMARKS.md has the details;
                                          --standalone N runs the suite on a standalone cluster of N
                                          one-core workers on 127.0.0.1 that the bench starts and stops;
                                          --cases runs one group of a suite's cases (scale: dense,
                                          sparse, fm; throughput: linear, fm); --rows sets the
                                          throughput suite's row count.
                                          suites: %s
        bench --jfr-summary FILE.jfr [--top N]
                                          hottest methods of a JFR recording (jdk.ExecutionSample)
        bench --report FILE.json...       one Markdown table of the cases of several --json files
      """;

  static final Map<String, Supplier<Suite>> SUITES = new LinkedHashMap<>();

  static {
    SUITES.put("step-vs-mllib", StepVsMllibSuite::new);
    SUITES.put("time-to-accuracy", TimeToAccuracySuite::new);
    SUITES.put("sparse-highdim", SparseHighDimSuite::new);
    SUITES.put("kernel", KernelSuite::new);
    SUITES.put("overhead", OverheadSuite::new);
    SUITES.put("scale", ScaleSuite::new);
    SUITES.put("fm-vs-mllib", FmVsMllibSuite::new);
    SUITES.put("mlp-vs-mllib", MlpVsMllibSuite::new);
    SUITES.put("throughput", ThroughputSuite::new);
  }

  private BenchCommand() {}

  /** The usage text with the suite names filled in. */
  public static String usage() {
    return String.format(USAGE, String.join(" ", SUITES.keySet()));
  }

  /** Runs {@code bench ARGS}: 0 on success, 1 on a failure, 2 on a usage error. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, null);
  }

  /**
   * As {@link #run(String[], PrintStream, PrintStream)}; with {@code session} non-null the suites
   * use that session and leave it running (tests share one), otherwise a session is started on
   * first use and stopped at the end.
   */
  static int run(String[] args, PrintStream out, PrintStream err, Supplier<SparkSession> session) {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("meshgrad bench: " + e.getMessage() + " (meshgrad --help lists the bench options)");
      return 2;
    }
    if (!o.reports.isEmpty()) {
      try {
        out.print(Table.report(o.reports));
        return 0;
      } catch (IOException e) {
        err.println("meshgrad bench: cannot read a report: " + e.getMessage());
        return 1;
      }
    }
    if (o.jfrSummary != null) {
      try {
        JfrSummary.print(o.jfrSummary, o.top, out);
        return 0;
      } catch (IOException e) {
        err.println("meshgrad bench: cannot read " + o.jfrSummary + ": " + e.getMessage());
        return 1;
      }
    }
    Suite suite = SUITES.get(o.suite).get();
    if (o.cases != null && !suite.caseGroups().contains(o.cases)) {
      err.println("meshgrad bench: --cases takes one of " + suite.caseGroups() + " for suite " + suite.name()
          + ", got '" + o.cases + "' (meshgrad --help lists the bench options)");
      return 2;
    }
    boolean owned = session == null;
    if (!owned && o.standalone != null) {
      err.println("meshgrad bench: --standalone starts its own session; it cannot run on a given one");
      return 2;
    }
    StandaloneCluster[] cluster = new StandaloneCluster[1];
    Supplier<SparkSession> factory = !owned ? session : o.standalone == null ? () -> startSession(o.master, Map.of())
        : () -> {
          logLine(err, "meshgrad bench: starting a standalone cluster of " + o.standalone + " one-core workers on "
              + StandaloneCluster.HOST);
          // workers of 2 GiB each for one executor of 1.5 GiB, which runs with the JIT's full tiers (no small-JVM flags)
          cluster[0] = StandaloneCluster.start(o.standalone, 1, "2g", Map.of(), Map.of(), null);
          o.master = cluster[0].masterUrl();
          SparkSession started = startSession(o.master, cluster[0].driverConf("1536m", List.of()));
          if (!started.sparkContext().master().equals(o.master)) {
            throw new IllegalStateException("--standalone: this JVM already has a Spark session on "
                + started.sparkContext().master() + "; the bench cannot start one on its cluster");
          }
          return started;
        };
    BenchContext ctx = new BenchContext(o.mode, o.master, o.partitions, o.reps, o.steps, o.only, o.cases, o.dataDir,
        o.rows,
        err, factory);
    long t0 = System.nanoTime();
    try {
      ctx.log("meshgrad bench: suite %s (%s), %s", suite.name(), o.mode.name().toLowerCase(), machine());
      List<CaseResult> cases = suite.run(ctx);
      double seconds = (System.nanoTime() - t0) / 1e9;
      ObjectNode json = toJson(suite, o, ctx, cases, seconds);
      out.print(Table.render(suite.name() + " (" + o.mode.name().toLowerCase() + ", " + String.format("%.0f s", seconds)
          + ")", cases));
      out.flush();
      if (o.json != null) {
        Path parent = o.json.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(o.json.toFile(), json);
        ctx.log("wrote %s", o.json);
      }
      return 0;
    } catch (Exception | LinkageError e) {
      return ErrorReport.print("meshgrad bench " + suite.name(), e, o.verbose, err);
    } finally {
      try {
        ctx.stopOwnedSession(owned);
      } finally {
        if (cluster[0] != null) {
          cluster[0].close();
        }
      }
    }
  }

  private static void logLine(PrintStream err, String line) {
    err.println(line);
    err.flush();
  }

  static SparkSession startSession(String master) {
    return startSession(master, Map.of());
  }

  /** The bench's session on {@code master}, with {@code conf} (a standalone cluster's driver settings) on top. */
  static SparkSession startSession(String master, Map<String, String> conf) {
    // runMiniBatchSGD warns on every call with fewer than 1/fraction iterations; the bench knows
    org.apache.logging.log4j.core.config.Configurator.setLevel(
        "org.apache.spark.mllib.optimization.GradientDescent", org.apache.logging.log4j.Level.ERROR);
    SparkSession.Builder b = SparkSession.builder().master(master).appName("meshgrad bench")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        // the scale suite's driver-held 50M+ models return two ~400 MB gradient sums per step
        .config("spark.driver.maxResultSize", "0");
    conf.forEach(b::config);
    return b.getOrCreate();
  }

  static String machine() {
    Runtime rt = Runtime.getRuntime();
    return String.format("%d cores, max heap %.1f GiB, Java %s (%s)", rt.availableProcessors(),
        rt.maxMemory() / (double) (1L << 30), System.getProperty("java.version"), System.getProperty("java.vm.name"));
  }

  private static ObjectNode toJson(Suite suite, Options o, BenchContext ctx, List<CaseResult> cases, double seconds) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("suite", suite.name());
    ArrayNode arr = root.putArray("cases");
    // cases the engine refused: no numbers, the reason (they never count as a miss or a result)
    ArrayNode refused = root.putArray("notSupported");
    for (CaseResult c : cases) {
      if (c.notSupported() != null) {
        ObjectNode n = refused.addObject();
        n.put("name", c.name());
        n.put("reason", c.notSupported());
        n.put("peerName", c.peerName());
        n.put("unit", c.unit());
        if (c.hasTarget()) {
          n.put("target", Measure.round4(c.targetRatio()));
        } else {
          n.putNull("target");
        }
        continue;
      }
      ObjectNode n = arr.addObject();
      n.put("name", c.name());
      number(n, "meshgrad", c.meshgrad());
      number(n, "peer", c.peer());
      n.put("peerName", c.peerName());
      n.put("unit", c.unit());
      number(n, "ratio", c.ratio());
      n.put("ratioMeaning", c.higherIsBetter() ? "meshgrad/peer (rates: higher is better)"
          : "peer/meshgrad (times: higher is better)");
      if (c.hasTarget()) {
        n.put("target", Measure.round4(c.targetRatio()));
      } else {
        n.putNull("target");
      }
      if (c.met() != null) {
        n.put("met", c.met());
      } else {
        n.putNull("met");
      }
      c.extra().forEach((k, v) -> n.set(k, mapper.valueToTree(v)));
    }
    root.put("mode", o.mode.name().toLowerCase());
    root.put("master", ctx.sparkStarted() ? o.master : null);
    if (o.standalone != null) {
      root.put("standaloneWorkers", o.standalone);
    }
    root.put("partitions", ctx.sparkStarted() ? ctx.partitions() : null);
    root.put("seconds", Measure.round4(seconds));
    ObjectNode m = root.putObject("machine");
    Runtime rt = Runtime.getRuntime();
    m.put("cores", rt.availableProcessors());
    m.put("maxHeapBytes", rt.maxMemory());
    m.put("physicalMemoryBytes", physicalMemory());
    m.put("java", System.getProperty("java.version"));
    m.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
        + System.getProperty("os.arch"));
    m.put("sparkVersion", org.apache.spark.package$.MODULE$.SPARK_VERSION());
    return root;
  }

  /** Finite numbers rounded to 4 significant digits; NaN and infinities (nothing measured) as null. */
  private static void number(ObjectNode n, String key, double v) {
    if (Double.isFinite(v)) {
      n.put(key, Measure.round4(v));
    } else {
      n.putNull(key);
    }
  }

  private static long physicalMemory() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return -1;
  }

  /** The parsed command line. */
  static final class Options {
    String suite;
    BenchContext.Mode mode = BenchContext.Mode.FULL;
    Path json;
    String master = "local[2]";
    Path dataDir;
    Integer partitions;
    Integer reps;
    Integer steps;
    Integer rows;
    Integer standalone;
    boolean masterGiven;
    String only;
    String cases;
    Path jfrSummary;
    int top = 25;
    boolean verbose;
    final java.util.List<Path> reports = new java.util.ArrayList<>();

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--suite" -> o.suite = value(args, ++i, a);
          case "--quick" -> o.mode = BenchContext.Mode.QUICK;
          case "--verbose" -> o.verbose = true;
          case "--smoke" -> o.mode = BenchContext.Mode.SMOKE;
          case "--json" -> {
            o.json = Path.of(value(args, ++i, a));
            if (Files.isDirectory(o.json)) {
              throw new IllegalArgumentException("--json " + o.json + ": is a directory; allowed: a file name");
            }
          }
          case "--master" -> {
            o.master = value(args, ++i, a);
            o.masterGiven = true;
          }
          case "--standalone" -> o.standalone = positive(args, ++i, a);
          case "--data-dir" -> {
            o.dataDir = Path.of(value(args, ++i, a));
            if (!Files.isDirectory(o.dataDir)) {
              throw new IllegalArgumentException("--data-dir " + o.dataDir + ": no such directory (allowed: a folder"
                  + " holding a9a/ and mnist10k/, as data/ of the repository)");
            }
          }
          case "--partitions" -> o.partitions = positive(args, ++i, a);
          case "--reps" -> o.reps = positive(args, ++i, a);
          case "--steps" -> o.steps = positive(args, ++i, a);
          case "--rows" -> o.rows = positive(args, ++i, a);
          case "--only" -> {
            o.only = value(args, ++i, a);
            if (!o.only.equals("meshgrad") && !o.only.equals("peer")) {
              throw new IllegalArgumentException("--only takes meshgrad or peer, got '" + o.only + "'");
            }
          }
          case "--cases" -> o.cases = value(args, ++i, a);
          case "--jfr-summary" -> o.jfrSummary = Path.of(value(args, ++i, a));
          case "--top" -> o.top = positive(args, ++i, a);
          case "--report" -> {
            while (i + 1 < args.length && !args[i + 1].startsWith("--")) {
              o.reports.add(Path.of(args[++i]));
            }
            if (o.reports.isEmpty()) {
              throw new IllegalArgumentException("--report needs at least one JSON file");
            }
          }
          default -> throw new IllegalArgumentException("unknown option '" + a + "'; allowed: --suite, --quick,"
              + " --smoke, --json, --master, --standalone, --data-dir, --partitions, --reps, --steps, --rows, --only, --jfr-summary, --top,"
              + " --report, --verbose");
        }
      }
      if (o.jfrSummary != null || !o.reports.isEmpty()) {
        return o;
      }
      if (o.standalone != null && o.masterGiven) {
        throw new IllegalArgumentException("--master and --standalone exclude each other (--standalone starts its"
            + " own cluster and runs on its master)");
      }
      if (o.suite == null) {
        throw new IllegalArgumentException("name a suite with --suite (one of " + String.join(", ", SUITES.keySet())
            + ")");
      }
      if (!SUITES.containsKey(o.suite)) {
        throw new IllegalArgumentException("unknown suite '" + o.suite + "'; suites: "
            + String.join(", ", SUITES.keySet()));
      }
      return o;
    }

    private static String value(String[] args, int i, String option) {
      if (i >= args.length) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      return args[i];
    }

    private static int positive(String[] args, int i, String option) {
      String v = value(args, i, option);
      try {
        int n = Integer.parseInt(v);
        if (n < 1) {
          throw new NumberFormatException();
        }
        return n;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + " must be a whole number >= 1, got '" + v + "'");
      }
    }
  }
}
