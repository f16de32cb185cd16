package io.meshgrad.testing;

import java.util.Arrays;
import java.util.Optional;

/**
 * The entry point of {@link StandaloneCluster}'s daemons: {@code ParentWatch PID MAIN ARGS...}
 * runs {@code MAIN.main(ARGS)} and exits the JVM (running its shutdown hooks: a Worker's kill its
 * executors) within a second of process {@code PID}, the JVM that launched the cluster, going
 * away. Shutdown hooks of that JVM stop the daemons on a normal exit; this covers one killed
 * outright (a build timeout, {@code kill -9} of a bench), which would otherwise leave a Master
 * and Workers running forever.
 */
public final class ParentWatch {
  private ParentWatch() {}

  public static void main(String[] args) throws Throwable {
    long parent = Long.parseLong(args[0]);
    Optional<ProcessHandle> handle = ProcessHandle.of(parent);
    Thread watch = new Thread(() -> {
      while (handle.map(ProcessHandle::isAlive).orElse(false)) {
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          return;
        }
      }
      System.err.println("ParentWatch: the launching JVM " + parent + " is gone, exiting");
      System.exit(3);
    }, "meshgrad-parent-watch");
    watch.setDaemon(true);
    watch.start();
    try {
      Class.forName(args[1]).getMethod("main", String[].class)
          .invoke(null, (Object) Arrays.copyOfRange(args, 2, args.length));
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
