package io.meshgrad.testing;

import java.util.Map;

/**
 * The child JVM of {@link LaunchingJvmKilledTest}: starts a {@link StandaloneCluster} of one
 * Worker, prints the daemons' pids and the cluster's folder, one line each ({@code pids 1 2},
 * {@code home /tmp/...}), then {@code ready}, and waits to be killed.
 */
public final class LaunchClusterAndWait {
  private LaunchClusterAndWait() {}

  public static void main(String[] args) throws InterruptedException {
    StandaloneCluster cluster = StandaloneCluster.start(1, 1, Map.of(), Map.of());
    StringBuilder pids = new StringBuilder("pids");
    cluster.pids().forEach(p -> pids.append(' ').append(p));
    System.out.println(pids);
    System.out.println("home " + cluster.sparkHome().getParent());
    System.out.println("ready");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
