package io.meshgrad.examples;

import io.meshgrad.conformance.EngineScenarioRunner;
import io.meshgrad.conformance.InProcessScenarioRunner;
import io.meshgrad.conformance.Replay;
import io.meshgrad.conformance.ScenarioRunner;
import io.meshgrad.conformance.ShardedScenarioRunner;
import io.meshgrad.examples.bench.BenchCommand;
import io.meshgrad.mesh.Mesh;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
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
        replay [--check] [--master URL] [--mesh batch=B,model=M | --in-process | --steps-per-job K]
               FILE_OR_DIR...             replay meshgrad-scenario/1 optimizer traces: one JSON line per
                                          scenario, or with --check PASS/FAIL lines and 'N passed, N failed'
                                          (exit 1 if any failed). Scenarios that carry a mesh run sharded
                                          on Spark (--master, default local[*]); --mesh shards the others
                                          too; --in-process runs everything in this JVM without Spark;
                                          --steps-per-job K runs every scenario as a fit on Spark does, its
                                          gradients carried by 2 data partitions: K steps in one barrier
                                          job of the engine (needs 2 free task slots), or K=1 a job a step
        demo                              train a logistic model on the bundled a9a data (UCI Adult) and
                                          print its test accuracy and where the outputs went
        train --data PATH --output DIR [...]  the spark-submit TrainApp run locally (train --help: flags)
      """ + BenchCommand.usage() + """
        help, --help                      this text

      Errors are one line naming the flag, file, row or column at fault and what is allowed; add
      --verbose (anywhere) to see the stack trace as well.
      """;

  static final List<String> COMMANDS = List.of("replay", "demo", "train", "bench", "help");

  private MeshgradCli() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs a command; returns 0 on success, 1 when a check or the run failed, 2 on a usage error. */
  public static int run(String[] commandLine, PrintStream out, PrintStream err) {
    boolean verbose = List.of(commandLine).contains("--verbose");
    String[] args = commandLine;
    while (args.length > 0 && args[0].equals("--verbose")) {
      args = Arrays.copyOfRange(args, 1, args.length);
    }
    if (args.length == 0 || List.of("help", "--help", "-h").contains(args[0])) {
      (args.length == 0 ? err : out).print(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    String command = args[0];
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    if (!command.equals("train") && !command.equals("bench")) {
      rest = Arrays.stream(rest).filter(a -> !a.equals("--verbose")).toArray(String[]::new);
    }
    try {
      return switch (command) {
        case "replay" -> replay(rest, out, err);
        case "train" -> train(rest, out, err);
        case "demo" -> demo(rest, out);
        case "bench" -> BenchCommand.run(rest, out, err);
        default -> throw new UsageException("unknown command '" + command + "'; allowed: "
            + String.join(", ", COMMANDS) + " (--help describes them)");
      };
    } catch (Exception | LinkageError e) {
      return ErrorReport.print(command.startsWith("-") ? "meshgrad" : "meshgrad " + command, e, verbose, err);
    }
  }

  private static int replay(String[] args, PrintStream out, PrintStream err) throws IOException {
    boolean check = false;
    boolean inProcess = false;
    String master = "local[*]";
    Mesh mesh = null;
    int stepsPerJob = 0;
    List<Path> paths = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--check" -> check = true;
        case "--in-process" -> inProcess = true;
        case "--master" -> master = value(args, ++i, "--master");
        case "--mesh" -> mesh = mesh(value(args, ++i, "--mesh"));
        case "--steps-per-job" -> stepsPerJob = stepsPerJob(value(args, ++i, "--steps-per-job"));
        default -> {
          if (args[i].startsWith("--")) {
            throw new UsageException("unknown option '" + args[i] + "'; allowed: --check, --master, --mesh,"
                + " --in-process, --steps-per-job, --verbose");
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
    if (stepsPerJob > 0 && (inProcess || mesh != null)) {
      throw new UsageException("--steps-per-job replays on Spark with the variables held whole: it excludes "
          + (inProcess ? "--in-process" : "--mesh"));
    }
    LazySession spark = new LazySession(master);
    try {
      ScenarioRunner runner = inProcess ? new InProcessScenarioRunner()
          : stepsPerJob > 0 ? new EngineScenarioRunner(spark, REPLAY_PARTITIONS, stepsPerJob)
          : new ShardedScenarioRunner(spark, mesh);
      Replay replay = new Replay(runner);
      List<Path> files = Replay.scenarioFiles(paths);
      if (!check) {
        int failed = replay.print(files, out);
        if (failed > 0) {
          err.println("meshgrad replay: " + failed + " of " + files.size() + " scenarios could not be run"
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

  private static int train(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || List.of("--help", "-h", "help").contains(args[0])) {
      (args.length == 0 ? err : out).print(TrainOptions.USAGE);
      return args.length == 0 ? 2 : 0;
    }
    return TrainApp.main(args, out, err, "meshgrad train");
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
        "--output", home.resolve("meshgrad-output/demo").toString(), "--overwrite"};
    TrainOptions options = TrainOptions.parse(flags);
    if (!Files.isDirectory(a9a)) {
      throw new InputException("no bundled data at " + a9a + "; run bin/meshgrad from the repository (or set"
          + " -Dmeshgrad.home to it)");
    }
    TrainApp.checkPaths(options);
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

  /** Data partitions that carry a scenario's gradients under {@code replay --steps-per-job}. */
  static final int REPLAY_PARTITIONS = 2;

  private static int stepsPerJob(String text) {
    try {
      int k = Integer.parseInt(text.trim());
      if (k >= 1) {
        return k;
      }
    } catch (NumberFormatException e) {
      // the line below says what is allowed
    }
    throw new UsageException("--steps-per-job: must be an integer >= 1, got '" + text + "'");
  }

  private static Mesh mesh(String spec) {
    try {
      return Mesh.parse(spec);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--mesh: " + e.getMessage());
    }
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

}
