package io.meshgrad.runtime.engine;

/**
 * The driver's side of one job: collects the {@code size} endpoints' addresses and answers every
 * registration with all of them, in rank order, once per stage attempt (see {@link
 * RendezvousRegistrations}). Registrations of another job attempt are refused. Made by {@link MeshTransport#rendezvous}
 * (a listener of its own) or by a {@link MeshTransport.Fit} (a group of the fit's listener).
 */
final class Rendezvous implements AutoCloseable {
  private final MeshTransport.Address address;
  private final long attempt;
  private final String fitId;
  private final long idleMs;
  private final Runnable onClose;
  private boolean closed;

  Rendezvous(MeshTransport.Address address, long attempt, String fitId, long idleMs, Runnable onClose) {
    this.address = address;
    this.attempt = attempt;
    this.fitId = fitId;
    this.idleMs = idleMs;
    this.onClose = onClose;
  }

  /** Where the endpoints register; travels in the task closure. */
  public MeshTransport.Address address() {
    return address;
  }

  /** The attempt of the job whose registrations it takes. */
  public long attempt() {
    return attempt;
  }

  /** The fit whose endpoints register here, or {@code null} for a job's own rendezvous. */
  public String fitId() {
    return fitId;
  }

  /** {@value MeshTransport#IDLE_CONF} of the fit, in ms (0 for a job's own rendezvous). */
  public long idleMs() {
    return idleMs;
  }

  /** Stops taking registrations; the listener of a job's own rendezvous closes (its port is free again). */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      onClose.run();
    }
  }
}
