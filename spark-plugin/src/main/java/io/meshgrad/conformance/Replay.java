package io.meshgrad.conformance;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code meshgrad replay}: runs scenario files and prints one JSON result line each, or, when
 * checking, {@code PASS name} / {@code FAIL name: first difference} lines and a closing
 * {@code N passed, N failed} line.
 */
public final class Replay {
  private final ScenarioRunner runner;

  public Replay(ScenarioRunner runner) {
    this.runner = runner;
  }

  /** Scenario files named directly, or the {@code *.json} files of directories, sorted by path. */
  public static List<Path> scenarioFiles(List<Path> filesOrDirs) throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path p : filesOrDirs) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.list(p)) {
          s.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().forEach(out::add);
        }
      } else if (Files.isRegularFile(p)) {
        out.add(p);
      } else {
        throw new IllegalArgumentException("no scenario file or directory at " + p);
      }
    }
    return out;
  }

  /**
   * Prints each scenario's result as one JSON line. A scenario that cannot be read or run gets the
   * line {@code {"scenario": FILE, "error": MESSAGE}} instead, and the others still run.
   *
   * @return the number of scenarios that could not be run
   */
  public int print(List<Path> files, PrintStream out) {
    int failed = 0;
    for (Path f : files) {
      try {
        out.println(runner.run(Scenario.read(f)).toJsonLine());
      } catch (IOException | RuntimeException e) {
        failed++;
        ObjectNode error = JsonNodeFactory.instance.objectNode();
        error.put("scenario", f.toString());
        error.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
        out.println(error.toString());
      }
    }
    return failed;
  }

  /** Outcome of {@link #check}. */
  public record Summary(int passed, int failed) {
    public boolean allPassed() {
      return failed == 0;
    }
  }

  /**
   * Runs each scenario and compares it with its {@code expected} state. A scenario that cannot be
   * run (bad file, optimizer error) or has no {@code expected} counts as failed.
   */
  public Summary check(List<Path> files, PrintStream out) {
    int passed = 0;
    int failed = 0;
    for (Path f : files) {
      String name = f.getFileName().toString();
      Optional<String> problem;
      try {
        Scenario s = Scenario.read(f);
        name = s.name();
        if (s.expected() == null) {
          problem = Optional.of("the scenario has no 'expected' state");
        } else {
          problem = runner.run(s).firstDifference(s.expected(), s.dtype(), s.exact());
        }
      } catch (IOException | RuntimeException e) {
        problem = Optional.of(e.getClass().getSimpleName() + ": " + e.getMessage());
      }
      if (problem.isEmpty()) {
        passed++;
        out.println("PASS " + name);
      } else {
        failed++;
        out.println("FAIL " + name + ": " + problem.get());
      }
    }
    out.println(passed + " passed, " + failed + " failed");
    return new Summary(passed, failed);
  }
}
