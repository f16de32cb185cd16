package io.meshgrad.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.FileNotFoundException;
import java.io.PrintStream;
import java.nio.file.FileSystemException;
import org.apache.spark.sql.AnalysisException;

/**
 * How the command line reports a failure: one line, {@code COMMAND: MESSAGE}, naming what was wrong;
 * the stack trace only with {@code --verbose}. A user error (bad flag, bad input) is told as such;
 * anything else says that {@code --verbose} shows where it happened.
 */
public final class ErrorReport {
  private ErrorReport() {}

  /**
   * Prints {@code e} to {@code err} and returns the exit code: 2 for a usage error, 1 otherwise.
   *
   * @param command the prefix of the line, e.g. {@code meshgrad train}
   */
  public static int print(String command, Throwable e, boolean verbose, PrintStream err) {
    String line = command + ": " + message(e);
    if (!verbose && !isUserError(e)) {
      line += " (--verbose prints the stack trace)";
    }
    err.println(line);
    if (verbose) {
      e.printStackTrace(err);
    }
    err.flush();
    return e instanceof UsageException ? 2 : 1;
  }

  /**
   * The message to show: the innermost {@link IllegalArgumentException} of the cause chain (where
   * meshgrad and Spark say what was wrong with an input, also when it reaches the driver wrapped in a
   * task failure), else the first other user error, else the root cause with its class; first line only.
   */
  public static String message(Throwable e) {
    Throwable chosen = null;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof IllegalArgumentException) {
        chosen = t;
      }
    }
    if (chosen == null) {
      for (Throwable t = e; t != null && chosen == null; t = t.getCause() == t ? null : t.getCause()) {
        if (isUserErrorType(t)) {
          chosen = t;
        }
      }
    }
    if (chosen == null) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      return "failed: " + firstLine(root.toString());
    }
    String text = chosen instanceof JsonProcessingException json ? json.getOriginalMessage() : chosen.getMessage();
    if (chosen instanceof FileSystemException || chosen instanceof FileNotFoundException) {
      text = chosen.getClass().getSimpleName() + ": " + text;
    }
    return firstLine(text == null ? chosen.getClass().getName() : text);
  }

  /** Whether some exception of the chain is a user error rather than a defect or an environment failure. */
  public static boolean isUserError(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof IllegalArgumentException || isUserErrorType(t)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isUserErrorType(Throwable t) {
    return t instanceof AnalysisException || t instanceof FileSystemException || t instanceof FileNotFoundException
        || t instanceof JsonProcessingException;
  }

  static String firstLine(String s) {
    String stripped = s.strip();
    int nl = stripped.indexOf('\n');
    return nl < 0 ? stripped : stripped.substring(0, nl).strip();
  }
}
