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
        replay.print(files, out);
        return 0;
      }
      return replay.check(files, out).allPassed() ? 0 : 1;
    } finally {
      spark.stop();
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

  /** A command line that cannot be run as given (exit code 2). */
  static final class UsageException extends IllegalArgumentException {
    UsageException(String message) {
      super(message);
    }
  }
}
