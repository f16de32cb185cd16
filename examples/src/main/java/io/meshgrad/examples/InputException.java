package io.meshgrad.examples;

/**
 * Input the command cannot use (a missing or unreadable file, a bad row, an output directory that
 * is in the way): the message names the flag, file, row or column and what is allowed (exit code 1).
 */
final class InputException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  InputException(String message) {
    super(message);
  }
}
