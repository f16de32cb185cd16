package io.meshgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every user error of the command line ({@code bin/meshgrad} and TrainApp) ends in one line on
 * stderr naming the flag, file, row or column and what is allowed, a non-zero exit code, no
 * stack trace and no outputs. The table runs each case through {@link MeshgradCli#run}; two cases
 * also run as a real process, whose whole stderr is checked.
 */
class CliErrorsTest {
  @TempDir
  static Path dir;

  static Path a9aLines;

  @BeforeAll
  static void writeInputs() throws IOException {
    // a command line starts its own session: none may be left over from other test classes
    SparkSession.getDefaultSession().foreach(s -> {
      s.stop();
      return null;
    });
    List<String> a9a = Files.readAllLines(TrainAppTest.repo().resolve("data/a9a/a9a")).subList(0, 60);
    a9aLines = write("good.libsvm", a9a);
    write("index-beyond.libsvm", replace(a9a, 19, "+1 3:1 130:1"));
    write("nan.libsvm", replace(a9a, 6, "-1 3:1 7:NaN 9:1"));
    write("lowercase-nan.libsvm", replace(a9a, 8, "-1 3:1 7:nan"));
    write("label2.libsvm", replace(a9a, 11, "2 3:1 9:1"));
    write("text-label.libsvm", replace(a9a, 2, "yes 3:1"));
    write("decreasing.libsvm", replace(a9a, 4, "+1 9:1 3:1"));
    write("zero-index.libsvm", replace(a9a, 4, "+1 0:1 3:1"));
    write("minus-and-zero.libsvm", replace(a9a, 30, "0 3:1"));
    write("wide-test.libsvm", List.of("+1 3:1", "-1 5:1", "+1 200:1"));
    write("classes.libsvm", List.of("0 1:1", "1 2:1", "2 1:1 2:1"));
    write("new-class.libsvm", List.of("0 1:1", "3 2:1"));
    write("multi.libsvm", List.of("0 1:1", "1 2:1", "1.5 1:1 2:1"));
    write("good.csv", List.of("x1,x2,name,y", "1.0,2.0,a,1", "2.0,1.0,b,0", "0.5,0.5,c,1"));
    write("null.csv", List.of("x1,x2,y", "1.0,2.0,1", "2.0,1.0,0", "0.5,,1"));
    Files.createDirectories(dir.resolve("used-output"));
    Files.writeString(dir.resolve("used-output/summary.json"), "{}");
    Files.writeString(dir.resolve("a-file"), "x");
  }

  private static Path write(String name, List<String> lines) throws IOException {
    return Files.write(dir.resolve(name), lines);
  }

  private static List<String> replace(List<String> lines, int index, String line) {
    List<String> out = new ArrayList<>(lines);
    out.set(index, line);
    return out;
  }

  private static String in(String name) {
    return dir.resolve(name).toString();
  }

  /** A train command line reading {@code data} and writing to a fresh output directory. */
  private static String[] train(String data, String... more) {
    List<String> args = new ArrayList<>(List.of("train", "--data", in(data), "--output", in("out"),
        "--master", "local[1]", "--steps", "2"));
    args.addAll(List.of(more));
    return args.toArray(new String[0]);
  }

  /** Case name, exit code, command line, texts the one error line must contain. */
  static Stream<Arguments> cases() {
    return Stream.of(
        // flags and flag values: exit 2, before Spark starts
        Arguments.of("no --output", 2, new String[] {"train", "--data", "x"}, List.of("--output is required")),
        Arguments.of("unknown flag", 2, train("good.libsvm", "--lr", "1"),
            List.of("unknown flag --lr; allowed: --data, --test", "--overwrite")),
        Arguments.of("bad --model", 2, train("good.libsvm", "--model", "tree"),
            List.of("--model must be one of " + String.join(", ", TrainOptions.MODELS) + "; got 'tree'")),
        Arguments.of("bad --steps", 2, train("good.libsvm", "--steps", "many"),
            List.of("--steps must be an integer, got 'many'")),
        Arguments.of("negative --steps", 2, train("good.libsvm", "--steps", "-3"),
            List.of("--steps must be an integer >= 0, got -3")),
        Arguments.of("bad --reg-param", 2, train("good.libsvm", "--reg-param", "NaN"),
            List.of("--reg-param must be a finite number >= 0, got NaN")),
        Arguments.of("flag without value", 2, train("good.libsvm", "--model"), List.of("--model needs a value")),
        Arguments.of("bad --mesh", 2, train("good.libsvm", "--mesh", "batch=two"),
            List.of("--mesh: ", "batch=two", "batch=4,model=2")),
        Arguments.of("optimizer: not JSON", 2, train("good.libsvm", "--optimizer", "{\"learning_rate\": 0.1,}"),
            List.of("--optimizer: not valid JSON at line 1, column")),
        Arguments.of("optimizer: bad value", 2, train("good.libsvm", "--optimizer", "{\"learning_rate\": -1}"),
            List.of("--optimizer: learning_rate must be", "got -1")),
        Arguments.of("optimizer: unknown key", 2, train("good.libsvm", "--optimizer", "{\"learnin_rate\": 0.1}"),
            List.of("--optimizer: ", "learnin_rate")),
        Arguments.of("optimizer: no file", 2, train("good.libsvm", "--optimizer", in("nope.json")),
            List.of("--optimizer " + in("nope.json") + ": no such file")),
        Arguments.of("--resume without --checkpoint-dir", 2, train("good.libsvm", "--resume"),
            List.of("--resume needs --checkpoint-dir")),
        Arguments.of("--num-features with csv", 2, train("good.csv", "--format", "csv", "--num-features", "3"),
            List.of("--num-features applies to --format libsvm only")),
        Arguments.of("--features-cols with libsvm", 2, train("good.libsvm", "--features-cols", "a,b"),
            List.of("--features-cols applies to --format parquet, csv or table")),
        Arguments.of("empty column name", 2, train("good.csv", "--format", "csv", "--features-cols", "x1,,x2"),
            List.of("--features-cols must be comma-separated column names, got 'x1,,x2'")),
        // paths: exit 1, before Spark starts
        Arguments.of("missing --data", 1, train("nope.libsvm"),
            List.of("--data " + in("nope.libsvm") + ": no such file or directory")),
        Arguments.of("missing --test", 1, train("good.libsvm", "--test", in("nope.t")),
            List.of("--test " + in("nope.t") + ": no such file or directory")),
        Arguments.of("used --output", 1, new String[] {"train", "--data", in("good.libsvm"), "--output",
            in("used-output")}, List.of("--output " + in("used-output") + ": the directory exists and is not empty",
            "--overwrite")),
        Arguments.of("--output is a file", 1, new String[] {"train", "--data", in("good.libsvm"), "--output",
            in("a-file")}, List.of("--output " + in("a-file") + ": is a file")),
        Arguments.of("--output under a file", 1, new String[] {"train", "--data", in("good.libsvm"), "--output",
            in("a-file") + "/out"}, List.of("cannot be created", "is not a directory")),
        // the data: exit 1, found by a check that fails no task
        Arguments.of("index beyond --num-features", 1, train("index-beyond.libsvm", "--num-features", "123"),
            List.of("--data " + in("index-beyond.libsvm") + " line 20: feature index 130 is beyond --num-features 123"
                + " (allowed: 1 to 123)")),
        Arguments.of("NaN feature", 1, train("nan.libsvm", "--num-features", "123"),
            List.of("--data " + in("nan.libsvm") + " line 7: feature 7 is NaN; allowed: finite numbers")),
        Arguments.of("value not a number", 1, train("lowercase-nan.libsvm"),
            List.of("line 9: value 'nan' of feature 7 is not a number")),
        Arguments.of("label 2 for logistic", 1, train("label2.libsvm"),
            List.of("line 12: label 2; allowed for --model logistic: 0 and 1, or -1 and +1")),
        Arguments.of("label not a number", 1, train("text-label.libsvm"),
            List.of("line 3: label 'yes' is not a number")),
        Arguments.of("indices decrease", 1, train("decreasing.libsvm"),
            List.of("line 5: feature index 3 follows 9; indices must increase")),
        Arguments.of("index 0", 1, train("zero-index.libsvm"),
            List.of("line 5: feature index 0; LIBSVM feature indices start at 1")),
        Arguments.of("labels -1 and 0", 1, train("minus-and-zero.libsvm"),
            List.of("labels -1 and 0 both occur; allowed for --model logistic: 0 and 1, or -1 and +1")),
        Arguments.of("test wider than training", 1, train("good.libsvm", "--test", in("wide-test.libsvm")),
            List.of("--test " + in("wide-test.libsvm") + " line 3: feature index 200 is beyond the",
                "features of the training data")),
        Arguments.of("fractional class", 1, train("multi.libsvm", "--model", "multinomial"),
            List.of("line 3: label 1.5; allowed for --model multinomial: class indices 0, 1, 2, ...")),
        Arguments.of("test class not in training", 1,
            train("classes.libsvm", "--model", "multinomial", "--test", in("new-class.libsvm")),
            List.of("--test " + in("new-class.libsvm") + " line 2: label 3; allowed for --model multinomial: the"
                + " classes of the training data, 0 to 2")),
        Arguments.of("missing label column", 1, train("good.csv", "--format", "csv", "--features-cols", "x1,x2"),
            List.of("no column 'label' (--label-col); columns are x1, x2, name, y")),
        Arguments.of("string feature column", 1,
            train("good.csv", "--format", "csv", "--label-col", "y", "--features-cols", "x1,name"),
            List.of("column 'name' (--features-cols) is string; allowed: a numeric, boolean or vector column")),
        Arguments.of("no features column", 1, train("good.csv", "--format", "csv", "--label-col", "y"),
            List.of("no column 'features' (--features-cols)")),
        Arguments.of("null feature in csv", 1,
            train("null.csv", "--format", "csv", "--label-col", "y", "--features-cols", "x1,x2"),
            List.of("--data " + in("null.csv") + " row 3: column 'x2' is null or NaN; allowed: finite numbers")),
        Arguments.of("no such table", 1, new String[] {"train", "--data", "nope_table", "--format", "table",
            "--output", in("out"), "--master", "local[1]"},
            List.of("--data nope_table: no such table")),
        Arguments.of("bad --master", 1, train("good.libsvm", "--master", "nowhere"),
            List.of("--master nowhere: ", "allowed: local, local[N]")),
        // the other commands
        Arguments.of("unknown command", 2, new String[] {"trian"},
            List.of("unknown command 'trian'; allowed: replay, demo, train, bench, help")),
        Arguments.of("demo with arguments", 2, new String[] {"demo", "--steps", "3"},
            List.of("demo takes no arguments")),
        Arguments.of("replay: missing file", 1, new String[] {"replay", "--in-process", in("nope.json")},
            List.of("no scenario file or directory at " + in("nope.json"))),
        Arguments.of("replay: bad --mesh", 2, new String[] {"replay", "--mesh", "model", in("good.csv")},
            List.of("--mesh: cannot parse mesh spec 'model'")),
        Arguments.of("replay: bad --steps-per-job", 2, new String[] {"replay", "--steps-per-job", "0", in("good.csv")},
            List.of("--steps-per-job: must be an integer >= 1, got '0'")),
        Arguments.of("replay: --steps-per-job with --in-process", 2, new String[] {"replay", "--steps-per-job", "4",
            "--in-process", in("good.csv")}, List.of("--steps-per-job replays on Spark with the variables held whole: "
            + "it excludes --in-process")),
        Arguments.of("replay: unknown option", 2, new String[] {"replay", "--chek", in("good.csv")},
            List.of("unknown option '--chek'; allowed: --check")),
        Arguments.of("bench: unknown suite", 2, new String[] {"bench", "--suite", "fastest"},
            List.of("unknown suite 'fastest'; suites: step-vs-mllib")),
        Arguments.of("bench: missing --data-dir", 2, new String[] {"bench", "--suite", "kernel", "--data-dir",
            in("nope")}, List.of("--data-dir " + in("nope") + ": no such directory")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void oneLineNamingTheCauseNoTraceNoOutputs(String name, int exitCode, String[] args, List<String> expected)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = MeshgradCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String stderr = err.toString(StandardCharsets.UTF_8);
    assertEquals(exitCode, code, "exit code; stderr: " + stderr);
    List<String> lines = stderr.lines().toList();
    assertEquals(1, lines.size(), "one line on stderr:\n" + stderr);
    assertTrue(lines.get(0).startsWith("meshgrad " + args[0] + ": "), stderr);
    for (String text : expected) {
      assertTrue(stderr.contains(text), "stderr lacks '" + text + "':\n" + stderr);
    }
    assertFalse(Files.exists(dir.resolve("out")), "no output directory may be created");
    assertEquals(List.of(dir.resolve("used-output/summary.json")), list(dir.resolve("used-output")));
  }

  @Test
  void verbosePrintsTheStackTraceToo() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = MeshgradCli.run(new String[] {"--verbose", "replay", "--in-process", in("nope.json")},
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String stderr = err.toString(StandardCharsets.UTF_8);
    assertEquals(1, code);
    assertTrue(stderr.startsWith("meshgrad replay: no scenario file or directory at"), stderr);
    assertTrue(stderr.contains("\tat io.meshgrad."), stderr);
  }

  /** A process's real stderr: a bad flag value, and a NaN found in the data on Spark (no executor trace). */
  @Test
  void aRealProcessPrintsOnlyTheMessage() throws Exception {
    Process missing = cli("train", "--data", in("nope.libsvm"), "--output", in("out"));
    assertEquals(1, missing.exitValue());
    assertEquals(List.of("meshgrad train: --data " + in("nope.libsvm") + ": no such file or directory"),
        stderr(missing));

    Process nan = cli(train("nan.libsvm", "--num-features", "123"));
    assertEquals(1, nan.exitValue());
    List<String> lines = stderr(nan);
    assertTrue(lines.stream().noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception in task")
        || l.contains("Lost task")), String.join("\n", lines));
    assertEquals("meshgrad train: --data " + in("nan.libsvm") + " line 7: feature 7 is NaN; allowed: finite numbers",
        lines.get(lines.size() - 1));
    assertFalse(Files.exists(dir.resolve("out")));
  }

  private static Process cli(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String opt : System.getProperty("meshgrad.jvm.opens", "").split(" ")) {
      if (!opt.isBlank()) {
        cmd.add(opt);
      }
    }
    cmd.addAll(List.of("-Xmx512m",
        "-Dlog4j2.configurationFile=" + TrainAppTest.repo().resolve("conf/log4j2.properties"), "-cp",
        System.getProperty("java.class.path"), MeshgradCli.class.getName()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectOutput(dir.resolve("process.out").toFile())
        .redirectError(dir.resolve("process.err").toFile()).start();
    assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the command did not finish in 180 s");
    return p;
  }

  private static List<String> stderr(Process p) throws IOException {
    return Files.readAllLines(dir.resolve("process.err")).stream().filter(l -> !l.isBlank()).toList();
  }

  private static List<Path> list(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.toList();
    }
  }
}
