package io.meshgrad.examples;

import io.meshgrad.conformance.InProcessScenarioRunner;
import io.meshgrad.conformance.Replay;
import io.meshgrad.conformance.ScenarioRunner;
import io.meshgrad.conformance.ShardedScenarioRunner;
import io.meshgrad.examples.bench.BenchCommand;
import io.meshgrad.mesh.Mesh;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/** {@code bin/meshgrad}: the command line. {@code main} exits; {@link #run} returns the exit code. */
public final class MeshgradCli {
  static final String USAGE = """
      usage: meshgrad <command> [options]

      commands:
        replay [--check] [--master URL] [--mesh batch=B,model=M] [--in-process] FILE_OR_DIR...
                                          replay meshgrad-scenario/1 optimizer traces: one JSON line per
                                          scenario, or with --check PASS/FAIL lines and 'N passed, N failed'
                                          (exit 1 if any failed). Scenarios that carry a mesh run sharded
                                          on Spark (--master, default local[*]); --mesh shards the others
                                          too; --in-process runs everything in this JVM without Spark
        demo                              train a logistic model on the bundled a9a data (UCI Adult) and
                                          print its test accuracy and where the outputs went
        train --data PATH --output DIR [...]  the spark-submit TrainApp run locally (train --help: flags)
      """ + BenchCommand.usage() + """
        help, --help                      this text
      """;

  private MeshgradCli() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs a command; returns 0 on success, 1 when a check failed, 2 on a usage error. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || List.of("help", "--help", "-h").contains(args[0])) {
      (args.length == 0 ? err : out).print(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    try {
      return switch (args[0]) {
        case "replay" -> replay(rest, out);
        case "train" -> train(rest, out, err);
        case "demo" -> demo(rest, out);
        case "bench" -> BenchCommand.run(rest, out, err);
        default -> {
          err.println("meshgrad: unknown command '" + args[0] + "'");
          err.print(USAGE);
          yield 2;
        }
      };
    } catch (UsageException e) {
      err.println("meshgrad " + args[0] + ": " + e.getMessage());
      return 2;
    } catch (IOException | IllegalArgumentException e) {
      err.println("meshgrad " + args[0] + ": " + e.getMessage());
      return 1;
    }
  }

  private static int replay(String[] args, PrintStream out) throws IOException {
    boolean check = false;
    boolean inProcess = false;
    String master = "local[*]";
    Mesh mesh = null;
    List<Path> paths = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--check" -> check = true;
        case "--in-process" -> inProcess = true;
        case "--master" -> master = value(args, ++i, "--master");
        case "--mesh" -> mesh = Mesh.parse(value(args, ++i, "--mesh"));
        default -> {
          if (args[i].startsWith("--")) {
            throw new UsageException("unknown option '" + args[i] + "'; allowed: --check, --master, --mesh, --in-process");
          }
          paths.add(Path.of(args[i]));
        }
      }
    }
    if (paths.isEmpty()) {
      throw new UsageException("name at least one scenario file or directory "
          + "(the public scenarios are in spark-plugin/src/test/resources/conformance)");
    }
    if (inProcess && mesh != null) {
      throw new UsageException("--in-process and --mesh exclude each other");
    }
    LazySession spark = new LazySession(master);
    try {
      ScenarioRunner runner = inProcess ? new InProcessScenarioRunner() : new ShardedScenarioRunner(spark, mesh);
      Replay replay = new Replay(runner);
      List<Path> files = Replay.scenarioFiles(paths);
      if (!check) {
        int failed = replay.print(files, out);
        if (failed > 0) {
          System.err.println("meshgrad replay: " + failed + " of " + files.size() + " scenarios could not be run"
              + " (their lines carry \"error\")");
          return 1;
        }
        return 0;
      }
      return replay.check(files, out).allPassed() ? 0 : 1;
    } finally {
      spark.stop();
    }
  }

  private static int train(String[] args, PrintStream out, PrintStream err) throws IOException {
    if (args.length == 0 || List.of("--help", "-h", "help").contains(args[0])) {
      (args.length == 0 ? err : out).print(TrainOptions.USAGE);
      return args.length == 0 ? 2 : 0;
    }
    TrainOptions options;
    try {
      options = TrainOptions.parse(args);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    SparkSession spark = TrainApp.session(options);
    try {
      TrainApp.run(spark, options, out);
      return 0;
    } finally {
      spark.stop();
    }
  }

  /** The bundled a9a, the documented settings (conf/adagrad.json: Adagrad, learning rate 0.5), full batch. */
  private static int demo(String[] args, PrintStream out) throws IOException {
    if (args.length > 0) {
      throw new UsageException("demo takes no arguments");
    }
    Path home = home();
    Path a9a = home.resolve("data/a9a");
    out.println("meshgrad demo: logistic regression on a9a (UCI Adult, LIBSVM preprocessing; Kohavi 1996, "
        + "CC BY 4.0; see data/a9a/README.md)");
    String[] flags = {
        "--data", a9a.resolve("a9a").toString(), "--test", a9a.resolve("a9a.t").toString(),
        "--num-features", "123", "--model", "logistic", "--steps", "100",
        "--optimizer", home.resolve("conf/adagrad.json").toString(),
        "--output", home.resolve("meshgrad-output/demo").toString()};
    TrainOptions options = TrainOptions.parse(flags);
    SparkSession spark = TrainApp.session(options);
    try {
      var summary = TrainApp.run(spark, options, out);
      out.printf(java.util.Locale.ROOT, "meshgrad demo: test accuracy %.4f (anchor: 0.845 for a converged model)%n",
          summary.get("testAccuracy").doubleValue());
      return 0;
    } finally {
      spark.stop();
    }
  }

  /** The repository root: {@code -Dmeshgrad.home} (set by bin/meshgrad), else the working directory. */
  static Path home() {
    return Path.of(System.getProperty("meshgrad.home", "."));
  }

  static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new UsageException(option + " needs a value");
    }
    return args[i];
  }

  /** A local Spark session started only if some scenario needs one. */
  static final class LazySession implements Supplier<SparkSession> {
    private final String master;
    private SparkSession session;

    LazySession(String master) {
      this.master = master;
    }

    @Override
    public synchronized SparkSession get() {
      if (session == null) {
        session = SparkSession.builder().master(master).appName("meshgrad replay")
            .config("spark.ui.showConsoleProgress", "false").getOrCreate();
      }
      return session;
    }

    synchronized void stop() {
      if (session != null) {
        session.stop();
      }
    }
  }

  /** A command line that cannot be run as given (exit code 2). */
  static final class UsageException extends IllegalArgumentException {
    UsageException(String message) {
      super(message);
    }
  }
}
