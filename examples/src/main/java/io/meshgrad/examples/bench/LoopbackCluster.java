package io.meshgrad.examples.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster on 127.0.0.1 for {@code bench --standalone N}: a Master and
 * {@code N} Workers of one core each, separate JVMs started from this JVM's classpath (no Spark
 * distribution: an installation folder whose {@code jars/} links every jar of the classpath, the
 * classes directories packed into one more jar, and a {@code RELEASE} file; the recipe of {@code
 * shared/design/notes.md}, as the tests' {@code StandaloneCluster} does). Executors are the
 * Workers' child JVMs, so every job pays a real cluster's scheduling and network costs.
 * {@link #close} (also a shutdown hook) stops every process it started, by pid, workers with
 * their executors first, and removes its files.
 */
final class LoopbackCluster implements AutoCloseable {
  static final String HOST = "127.0.0.1";
  private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);
  /** Short-lived helper JVMs start faster and use less CPU with C1 and the serial GC. */
  private static final List<String> SMALL_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  private final Path root;
  private final Path sparkHome;
  private final Path logs;
  private final List<Process> processes = new ArrayList<>();
  private final Thread shutdownHook = new Thread(this::stopProcesses, "meshgrad-bench-cluster-shutdown");
  private int masterPort;
  private int masterWebPort;
  private boolean closed;

  private LoopbackCluster() throws IOException {
    root = Files.createTempDirectory("meshgrad-bench-cluster-");
    sparkHome = Files.createDirectories(root.resolve("spark-home"));
    logs = Files.createDirectories(root.resolve("logs"));
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts the Master and {@code workers} one-core Workers and waits until all are registered. */
  static LoopbackCluster start(int workers) {
    LoopbackCluster c = null;
    try {
      c = new LoopbackCluster();
      c.prepareSparkHome();
      c.startMaster();
      for (int i = 0; i < workers; i++) {
        c.startWorker(i);
      }
      LoopbackCluster cluster = c;
      c.await("all " + workers + " workers registered with the master", () -> cluster.aliveWorkers() == workers);
      return c;
    } catch (IOException | RuntimeException e) {
      String logs = c == null ? "" : "; its logs: " + c.logs;
      if (c != null) {
        c.close();
      }
      throw new IllegalStateException("could not start a standalone cluster on " + HOST + ": " + e.getMessage()
          + logs, e);
    }
  }

  /** {@code spark://127.0.0.1:PORT}. */
  String masterUrl() {
    return "spark://" + HOST + ":" + masterPort;
  }

  /** What a driver in this JVM sets to run on the cluster: loopback addresses, one-core executors. */
  Map<String, String> driverConf() {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.driver.host", HOST);
    conf.put("spark.driver.bindAddress", HOST);
    conf.put("spark.executor.cores", "1");
    conf.put("spark.executor.memory", "1536m");
    String log4j = System.getProperty("log4j2.configurationFile");
    if (log4j != null) {
      conf.put("spark.executor.extraJavaOptions", "-Dlog4j2.configurationFile=" + log4j);
    }
    return conf;
  }

  private void prepareSparkHome() throws IOException {
    Path jars = Files.createDirectories(sparkHome.resolve("jars"));
    Files.writeString(sparkHome.resolve("RELEASE"), "meshgrad bench cluster (jars from the bench's classpath)\n");
    List<Path> classDirs = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      Path p = Path.of(entry).toAbsolutePath();
      if (Files.isDirectory(p)) {
        classDirs.add(p);
      } else if (p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p)) {
        Path link = jars.resolve(p.getFileName());
        for (int i = 1; Files.exists(link, LinkOption.NOFOLLOW_LINKS); i++) {
          link = jars.resolve(i + "-" + p.getFileName());
        }
        Files.createSymbolicLink(link, p);
      }
    }
    if (!classDirs.isEmpty()) {
      packJar(classDirs, jars.resolve("zz-classes-directories.jar"));
    }
  }

  private static void packJar(List<Path> dirs, Path jar) throws IOException {
    Set<String> seen = new HashSet<>();
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      for (Path dir : dirs) {
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
          files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
          String name = dir.relativize(f).toString().replace(File.separatorChar, '/');
          if (name.startsWith("META-INF/MANIFEST") || !seen.add(name)) {
            continue;
          }
          out.putNextEntry(new JarEntry(name));
          Files.copy(f, out);
          out.closeEntry();
        }
      }
    }
  }

  private Process launch(String name, List<String> mainAndArgs) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.addAll(SMALL_JVM);
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports") || arg.startsWith("-Djdk.reflect")
          || arg.startsWith("-Dlog4j2.configurationFile")) {
        cmd.add(arg);
      }
    }
    cmd.add("-cp");
    cmd.add(sparkHome.resolve("jars") + File.separator + "*");
    cmd.addAll(mainAndArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("SPARK_") || k.startsWith("PYSPARK_"));
    env.put("SPARK_HOME", sparkHome.toString());
    env.put("SPARK_SCALA_VERSION", "2.13");
    env.put("SPARK_LOCAL_IP", HOST);
    env.put("SPARK_LOCAL_HOSTNAME", HOST);
    env.put("SPARK_LOG_DIR", logs.toString());
    pb.redirectErrorStream(true);
    pb.redirectOutput(logs.resolve(name + ".log").toFile());
    pb.directory(root.toFile());
    Process p = pb.start();
    synchronized (this) {
      processes.add(p);
    }
    return p;
  }

  private void startMaster() throws IOException {
    masterPort = freePort();
    masterWebPort = freePort();
    launch("master", List.of("org.apache.spark.deploy.master.Master", "--host", HOST,
        "--port", Integer.toString(masterPort), "--webui-port", Integer.toString(masterWebPort)));
    await("the master at " + masterUrl(), () -> {
      try {
        return masterJson().contains("ALIVE");
      } catch (IOException e) {
        return false;
      }
    });
  }

  private void startWorker(int i) throws IOException {
    Path work = Files.createDirectories(root.resolve("work-" + i));
    launch("worker-" + i, List.of("org.apache.spark.deploy.worker.Worker", masterUrl(), "--cores", "1",
        "--memory", "2g", "--host", HOST, "--port", Integer.toString(freePort()),
        "--webui-port", Integer.toString(freePort()), "--work-dir", work.toString()));
  }

  private String masterJson() throws IOException {
    HttpURLConnection c = (HttpURLConnection) URI.create("http://" + HOST + ":" + masterWebPort + "/json/")
        .toURL().openConnection();
    c.setConnectTimeout(2000);
    c.setReadTimeout(5000);
    try (InputStream in = c.getInputStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      c.disconnect();
    }
  }

  private int aliveWorkers() {
    try {
      Matcher m = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)").matcher(masterJson());
      return m.find() ? Integer.parseInt(m.group(1)) : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  /** Polls every 100 ms until {@code condition} holds; fails when a daemon exits or after 120 s. */
  private void await(String what, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
    while (!condition.getAsBoolean()) {
      synchronized (this) {
        for (Process p : processes) {
          if (!p.isAlive()) {
            throw new IllegalStateException("a cluster process (pid " + p.pid() + ") exited with " + p.exitValue()
                + " while waiting for " + what);
          }
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after 120 s waiting for " + what);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for " + what, e);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  /** Whether any process this cluster started (daemon or executor) is still alive. */
  synchronized boolean anyAlive() {
    for (Process p : processes) {
      if (p.isAlive() || p.descendants().anyMatch(ProcessHandle::isAlive)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopProcesses();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs anyway
    }
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temporary folder
    }
  }

  /** Workers (with their executors) first, then the master: SIGTERM, up to 10 s, then SIGKILL. */
  private void stopProcesses() {
    List<Process> order;
    synchronized (this) {
      order = new ArrayList<>(processes);
    }
    java.util.Collections.reverse(order);
    for (Process p : order) {
      List<ProcessHandle> children = p.descendants().toList();
      stop(p.toHandle());
      children.forEach(LoopbackCluster::stop);
    }
  }

  private static void stop(ProcessHandle ph) {
    if (!ph.isAlive()) {
      return;
    }
    ph.destroy();
    try {
      ph.onExit().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      ph.destroyForcibly();
    }
  }
}
