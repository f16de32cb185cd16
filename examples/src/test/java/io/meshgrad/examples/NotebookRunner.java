package io.meshgrad.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import scala.collection.immutable.List$;
import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;
import scala.tools.nsc.interpreter.Results;
import scala.tools.nsc.interpreter.shell.ReplReporterImpl;

/**
 * Runs the Scala cells of a Databricks source-format notebook ({@code // Databricks notebook
 * source}, cells separated by {@code // COMMAND ----------}, markdown cells as {@code // MAGIC})
 * in an embedded Scala 2.13 interpreter, with {@code spark} bound to a session and minimal
 * stand-ins for Databricks' {@code display} and {@code dbutils}.
 */
final class NotebookRunner {
  static final String HEADER = "// Databricks notebook source";
  static final String SEPARATOR = "// COMMAND ----------";

  /** What the stand-ins provide: display records what it was given; dbutils.fs works on local paths. */
  private static final String PRELUDE = """
      object NotebookStandIns { val displayed = scala.collection.mutable.ArrayBuffer[Any]() }
      def display(x: Any): Unit = {
        NotebookStandIns.displayed += x
        x match {
          case df: org.apache.spark.sql.Dataset[_] => df.show(20, false)
          case other => println(other)
        }
      }
      object dbutils {
        object fs {
          def rm(path: String, recurse: Boolean = false): Boolean = {
            val p = java.nio.file.Paths.get(path.stripPrefix("file:"))
            if (!java.nio.file.Files.exists(p)) false
            else {
              if (recurse) java.nio.file.Files.walk(p).sorted(java.util.Comparator.reverseOrder[java.nio.file.Path]())
                .forEach(f => java.nio.file.Files.delete(f))
              else java.nio.file.Files.delete(p)
              true
            }
          }
        }
        object widgets {
          def text(name: String, default: String, label: String = ""): Unit =
            if (!sys.props.contains("notebook.widget." + name)) sys.props("notebook.widget." + name) = default
          def get(name: String): String = sys.props.getOrElse("notebook.widget." + name,
            throw new IllegalArgumentException("no widget named " + name))
        }
      }
      """;

  private final IMain repl;
  private final ByteArrayOutputStream output = new ByteArrayOutputStream();

  NotebookRunner(SparkSession spark) {
    Settings settings = new Settings();
    ((scala.tools.nsc.settings.MutableSettings.BooleanSetting) settings.usejavacp()).v_$eq(true);
    PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(output, StandardCharsets.UTF_8), true);
    repl = new IMain(settings, new ReplReporterImpl(settings, out));
    repl.bind("spark", "org.apache.spark.sql.SparkSession", spark, List$.MODULE$.empty());
    run(PRELUDE, "prelude");
    run("import spark.implicits._", "implicits (Databricks imports them in every notebook)");
  }

  /** The code cells of a notebook file, in order (markdown cells dropped). */
  static List<String> cells(Path notebook) throws IOException {
    String text = Files.readString(notebook);
    if (!text.startsWith(HEADER)) {
      throw new IllegalArgumentException(notebook + " is not a Databricks source notebook (first line must be '"
          + HEADER + "')");
    }
    List<String> cells = new ArrayList<>();
    for (String cell : text.substring(HEADER.length()).split("\n" + SEPARATOR + "\n")) {
      String body = cell.strip();
      boolean markdown = body.lines().allMatch(l -> l.startsWith("// MAGIC") || l.isBlank());
      if (!body.isEmpty() && !markdown) {
        cells.add(body);
      }
    }
    return cells;
  }

  /** Interprets one cell. @throws AssertionError with the interpreter's output if it fails */
  void run(String cell, String name) {
    output.reset();
    Results.Result result = repl.interpret(cell);
    if (!(result instanceof Results.Success$)) {
      throw new AssertionError(name + " did not run (" + result + "):\n" + cell + "\n--- output ---\n"
          + output.toString(StandardCharsets.UTF_8));
    }
  }

  /** Number of calls of display so far. */
  int displayCount() {
    output.reset();
    repl.interpret("NotebookStandIns.displayed.size");
    return ((Number) repl.valueOfTerm(repl.mostRecentVar()).get()).intValue();
  }

  void close() {
    repl.close();
  }
}
