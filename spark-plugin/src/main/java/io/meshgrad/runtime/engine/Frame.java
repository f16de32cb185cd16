package io.meshgrad.runtime.engine;

import java.nio.ByteBuffer;

/**
 * The framing of every message of the engine's transport: a kind byte, the attempt it belongs to
 * (8 bytes), the sender's rank (4 bytes), a round number or request token (8 bytes), then the
 * payload.
 */
final class Frame {
  /** A payload of one round between two endpoints (one way). */
  static final byte DATA = 1;
  /** An endpoint's registration with a rendezvous (a request: answered with every rank's address). */
  static final byte REGISTER = 2;
  /** The driver's close of a fit, to one of its endpoints (one way; the endpoint closes the connection). */
  static final byte RELEASE = 3;
  /** An endpoint's request to the fit's listener for the state a job starts from ({@link MeshTransport#fetchState}). */
  static final byte STATE = 4;

  private Frame() {}

  /** A message of {@code kind} of {@code attempt} from rank {@code from}, tagged {@code round}, carrying {@code payload}. */
  static ByteBuffer of(byte kind, long attempt, int from, long round, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(1 + 8 + 4 + 8 + payload.length);
    b.put(kind).putLong(attempt).putInt(from).putLong(round).put(payload);
    b.flip();
    return b;
  }
}
