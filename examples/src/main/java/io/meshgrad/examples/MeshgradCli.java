package io.meshgrad.examples;

import io.meshgrad.conformance.InProcessScenarioRunner;
import io.meshgrad.conformance.Replay;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** {@code bin/meshgrad}: the command line. {@code main} exits; {@link #run} returns the exit code. */
public final class MeshgradCli {
  static final String USAGE = """
      usage: meshgrad <command> [options]

      commands:
        replay [--check] FILE_OR_DIR...   replay meshgrad-scenario/1 optimizer traces; one JSON line per
                                          scenario, or with --check PASS/FAIL lines and 'N passed, N failed'
                                          (exit 1 if any failed)
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
    List<Path> paths = new ArrayList<>();
    for (String a : args) {
      if (a.equals("--check")) {
        check = true;
      } else if (a.startsWith("--")) {
        throw new UsageException("unknown option '" + a + "'; allowed: --check");
      } else {
        paths.add(Path.of(a));
      }
    }
    if (paths.isEmpty()) {
      throw new UsageException("name at least one scenario file or directory "
          + "(the public scenarios are in spark-plugin/src/test/resources/conformance)");
    }
    Replay replay = new Replay(new InProcessScenarioRunner());
    List<Path> files = Replay.scenarioFiles(paths);
    if (!check) {
      replay.print(files, out);
      return 0;
    }
    return replay.check(files, out).allPassed() ? 0 : 1;
  }

  /** A command line that cannot be run as given (exit code 2). */
  static final class UsageException extends IllegalArgumentException {
    UsageException(String message) {
      super(message);
    }
  }
}
