package io.meshgrad.examples;

/** A command line that cannot be run as given: a bad flag or flag value (exit code 2). */
final class UsageException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
