package io.meshgrad.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A JVM that launched a {@link StandaloneCluster} and is killed with {@code kill -9} (no shutdown
 * hook runs) leaves no daemon behind: the Master and Worker notice through {@link ParentWatch}
 * and exit. The bound on how long that may take (60 s) is generous; the watch polls every second.
 */
@Tag("cluster")
class LaunchingJvmKilledTest {

  @Test
  void theDaemonsExitWhenTheLaunchingJvmIsKilled() throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports") || arg.startsWith("-Djdk.reflect")
          || arg.startsWith("-Dlog4j2.configurationFile")) {
        cmd.add(arg);
      }
    }
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    cmd.add("-cp");
    cmd.add(cp);
    cmd.add(LaunchClusterAndWait.class.getName());
    Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    List<Long> daemons = new ArrayList<>();
    Path home = null;
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      for (String line; (line = out.readLine()) != null && !line.equals("ready"); ) {
        if (line.startsWith("pids ")) {
          for (String p : line.substring(5).trim().split(" ")) {
            daemons.add(Long.parseLong(p));
          }
        } else if (line.startsWith("home ")) {
          home = Path.of(line.substring(5));
        }
      }
      assertEquals(2, daemons.size(), "the child JVM started a Master and a Worker: " + daemons);
      for (long pid : daemons) {
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "daemon " + pid + " runs");
      }
    } finally {
      child.destroyForcibly(); // SIGKILL: the child's shutdown hooks do not run
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child JVM was killed");
    }
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline && daemons.stream().anyMatch(LaunchingJvmKilledTest::alive)) {
        Thread.sleep(200);
      }
      for (long pid : daemons) {
        assertFalse(alive(pid), "daemon " + pid + " still runs 60 s after its launching JVM was killed");
      }
    } finally {
      for (long pid : daemons) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      StandaloneCluster.deleteRecursively(home);
    }
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
