package io.meshgrad.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster (one Master, N Workers, each Worker's executors in JVMs of their
 * own) started from this JVM's classpath, on 127.0.0.1 only, without a Spark distribution: the
 * one launcher of the tests' clusters and of {@code bin/meshgrad bench --standalone N}.
 * <ul>
 *   <li>a temporary {@code SPARK_HOME} whose {@code jars/} links every jar of this JVM's
 *       classpath (or the Spark jars given), plus the {@code RELEASE} file the launcher looks for;</li>
 *   <li>this JVM's classes directories ({@code target/classes}, {@code target/test-classes})
 *       packed into {@link #appJar()}, which executors get through
 *       {@code spark.executor.extraClassPath} ({@link #driverConf()});</li>
 *   <li>free ports, readiness checked by polling the Master's {@code /json/} page.</li>
 * </ul>
 * Every process started is stopped by its pid (and its descendants, the executors, too) in
 * {@link #close()} and, should the launching JVM exit first, by a shutdown hook; should it be
 * killed ({@code kill -9}), the daemons exit by themselves within seconds ({@link ParentWatch}),
 * a Worker's executors with it. Every wait is bounded.
 */
public final class StandaloneCluster implements AutoCloseable {
  /** The only address the cluster binds. */
  public static final String HOST = "127.0.0.1";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  /**
   * JVM flags for the daemons and executors: on a 2-core machine running the driver too, the
   * C2 compiler threads of five fresh JVMs compete with the work; C1 and the serial GC start
   * faster and use less CPU for the short lives these processes have.
   */
  public static final List<String> SMALL_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  private final Path root;
  private final Path sparkHome;
  private final Path appJar;
  private final Path logs;
  private final String javaCommand;
  private final List<String> jvmOptions;
  private final Map<String, String> daemonConf;
  private final Map<String, String> daemonEnv;
  /** Spark's jars for the installation; null: every jar of this JVM's classpath. */
  private final List<Path> sparkJars;
  private final String workerMemory;
  private final List<Process> processes = new ArrayList<>();
  private final List<Process> workers = new ArrayList<>();
  private final List<Path> workDirs = new ArrayList<>();
  private final Thread shutdownHook;
  private Process master;
  private int masterPort;
  private int masterWebPort;
  private boolean closed;

  private StandaloneCluster(String workerMemory, Map<String, String> daemonConf, Map<String, String> daemonEnv,
      List<Path> sparkJars) throws IOException {
    this.workerMemory = workerMemory;
    this.sparkJars = sparkJars;
    this.daemonConf = new LinkedHashMap<>(daemonConf);
    this.daemonEnv = new LinkedHashMap<>(daemonEnv);
    root = Files.createTempDirectory("meshgrad-cluster-");
    sparkHome = Files.createDirectories(root.resolve("spark-home"));
    logs = Files.createDirectories(root.resolve("logs"));
    appJar = root.resolve("meshgrad-test-app.jar");
    javaCommand = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    jvmOptions = inheritedJvmOptions();
    prepareSparkHome();
    shutdownHook = new Thread(this::stopProcesses, "meshgrad-cluster-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts a Master and {@code workers} Workers of {@code coresPerWorker} cores and 1 GiB each,
   * and waits until every Worker is registered.
   *
   * @param daemonConf Spark properties the Master and Workers need (e.g. {@code
   *     spark.authenticate}), passed to them as {@code -Dkey=value}
   * @param daemonEnv environment variables for them (e.g. {@code _SPARK_AUTH_SECRET}, which keeps
   *     a secret off the command lines)
   */
  public static StandaloneCluster start(int workers, int coresPerWorker, Map<String, String> daemonConf,
      Map<String, String> daemonEnv) {
    return start(workers, coresPerWorker, daemonConf, daemonEnv, null);
  }

  /**
   * As {@link #start(int, int, Map, Map)}, with {@code sparkJars} (when not null) as the
   * installation's {@code jars/} instead of every jar of this JVM's classpath: a Spark installation
   * that holds Spark and nothing else, as a real one.
   */
  public static StandaloneCluster start(int workers, int coresPerWorker, Map<String, String> daemonConf,
      Map<String, String> daemonEnv, List<Path> sparkJars) {
    return start(workers, coresPerWorker, "1g", daemonConf, daemonEnv, sparkJars);
  }

  /**
   * As {@link #start(int, int, Map, Map, List)}, with Workers that offer {@code workerMemory}
   * (Spark's memory string, {@code 1g} in the other overloads) to executors.
   */
  public static StandaloneCluster start(int workers, int coresPerWorker, String workerMemory,
      Map<String, String> daemonConf, Map<String, String> daemonEnv, List<Path> sparkJars) {
    StandaloneCluster c = null;
    try {
      c = new StandaloneCluster(workerMemory, daemonConf, daemonEnv, sparkJars);
      c.startMaster();
      for (int i = 0; i < workers; i++) {
        c.startWorker(i, coresPerWorker);
      }
      StandaloneCluster cluster = c;
      cluster.await("all " + workers + " workers registered with the master", START_TIMEOUT,
          () -> cluster.aliveWorkers() == workers);
      return c;
    } catch (IOException | RuntimeException | Error e) {
      if (c != null) {
        String diagnosis = c.logTails();
        c.close();
        throw new IllegalStateException("could not start the standalone cluster: " + e + "\n" + diagnosis, e);
      }
      throw new IllegalStateException("could not prepare the standalone cluster: " + e, e);
    }
  }

  /** {@code spark://127.0.0.1:port}. */
  public String masterUrl() {
    return "spark://" + HOST + ":" + masterPort;
  }

  /** The installation: {@code jars/} (Spark's classpath, what {@code spark-submit} runs with) and {@code RELEASE}. */
  public Path sparkHome() {
    return sparkHome;
  }

  /** This JVM's classes directories as a jar, for the executors. */
  public Path appJar() {
    return appJar;
  }

  /**
   * Spark properties a short test application in this JVM needs to run on the cluster: {@link
   * #driverConf(String, List)} with executors of 512 MiB started with {@link #SMALL_JVM}, no UI
   * and 4 shuffle partitions.
   */
  public Map<String, String> driverConf() {
    Map<String, String> conf = driverConf("512m", SMALL_JVM);
    conf.put("spark.ui.enabled", "false");
    conf.put("spark.sql.shuffle.partitions", "4");
    return conf;
  }

  /**
   * Spark properties a driver in this JVM needs to run on the cluster: master, loopback
   * addresses, one core and {@code executorMemory} per executor, the app jar on the executors'
   * classpath, {@code executorJvmOptions} and this JVM's log configuration for the executors.
   */
  public Map<String, String> driverConf(String executorMemory, List<String> executorJvmOptions) {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.master", masterUrl());
    conf.put("spark.driver.host", HOST);
    conf.put("spark.driver.bindAddress", HOST);
    conf.put("spark.executor.cores", "1");
    conf.put("spark.executor.memory", executorMemory);
    conf.put("spark.executor.extraClassPath", appJar.toString());
    String log4j = System.getProperty("log4j2.configurationFile");
    List<String> options = new ArrayList<>(executorJvmOptions);
    if (log4j != null) {
      options.add("-Dlog4j2.configurationFile=" + log4j);
    }
    if (!options.isEmpty()) {
      conf.put("spark.executor.extraJavaOptions", String.join(" ", options));
    }
    return conf;
  }

  /** The executor JVMs of application {@code appId} that are alive now, by executor id. */
  public Map<String, ProcessHandle> executors(String appId) {
    Map<String, ProcessHandle> out = new LinkedHashMap<>();
    for (Process w : workers) {
      w.descendants().filter(ProcessHandle::isAlive).forEach(ph -> {
        String cmd = commandLine(ph);
        if (cmd.contains("CoarseGrainedExecutorBackend") && cmd.contains(appId)) {
          Matcher m = Pattern.compile("--executor-id\\s+(\\S+)").matcher(cmd);
          if (m.find()) {
            out.put(m.group(1), ph);
          }
        }
      });
    }
    return out;
  }

  /** The full command line of a process ({@code /proc/PID/cmdline} where there is one). */
  public static String commandLine(ProcessHandle ph) {
    Path proc = Path.of("/proc", Long.toString(ph.pid()), "cmdline");
    try {
      if (Files.isReadable(proc)) {
        return new String(Files.readAllBytes(proc), StandardCharsets.UTF_8).replace('\0', ' ');
      }
    } catch (IOException e) {
      // the process ended; fall through
    }
    return ph.info().commandLine().orElse("");
  }

  /** The Master's {@code /json/} page. */
  public String masterJson() throws IOException {
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

  /** Number of ALIVE workers the Master reports, -1 if it does not answer. */
  public int aliveWorkers() {
    try {
      Matcher m = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)").matcher(masterJson());
      return m.find() ? Integer.parseInt(m.group(1)) : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  /** The last lines of every daemon's log and of the executors' stderr, for failure messages. */
  public String logTails() {
    StringBuilder sb = new StringBuilder();
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(logs)) {
      s.sorted().forEach(files::add);
    } catch (IOException e) {
      sb.append("(no logs: ").append(e).append(")\n");
    }
    for (Path w : workDirs) {
      try (Stream<Path> s = Files.walk(w, 4)) {
        s.filter(p -> p.getFileName().toString().equals("stderr")).sorted().forEach(files::add);
      } catch (IOException e) {
        // nothing launched there
      }
    }
    for (Path f : files) {
      try {
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        sb.append("---- ").append(f).append(" (last 30 lines)\n");
        lines.subList(Math.max(0, lines.size() - 30), lines.size()).forEach(l -> sb.append(l).append('\n'));
      } catch (IOException | UncheckedIOException e) {
        sb.append("---- ").append(f).append(": ").append(e).append('\n');
      }
    }
    return sb.toString();
  }

  /** Polls {@code condition} every 100 ms until it holds or {@code timeout} passes. */
  public void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      for (Process p : processes) {
        if (!p.isAlive()) {
          throw new IllegalStateException("a cluster process (pid " + p.pid() + ") exited with " + p.exitValue()
              + " while waiting for " + what);
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      sleep(100);
    }
  }

  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  // ------------------------------------------------------------------ setup

  private void prepareSparkHome() throws IOException {
    Path jars = Files.createDirectories(sparkHome.resolve("jars"));
    Files.writeString(sparkHome.resolve("RELEASE"), "meshgrad loopback cluster (jars of the launching JVM)\n");
    List<Path> classDirs = new ArrayList<>();
    List<String> entries = new ArrayList<>(launchingClasspath());
    if (sparkJars != null) {
      entries.removeIf(e -> !Files.isDirectory(Path.of(e)));
      sparkJars.forEach(j -> entries.add(j.toString()));
    }
    for (String entry : entries) {
      Path p = Path.of(entry).toAbsolutePath();
      if (Files.isDirectory(p)) {
        classDirs.add(p);
      } else if (p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p)) {
        Path link = jars.resolve(p.getFileName());
        for (int i = 1; Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS); i++) {
          link = jars.resolve(i + "-" + p.getFileName());
        }
        Files.createSymbolicLink(link, p);
      }
    }
    // no classes directory (an application run from jars alone, all linked above): the jar is empty
    packJar(classDirs, appJar);
  }

  /** This JVM's classpath (Surefire may run tests through a manifest-only booter jar). */
  private static List<String> launchingClasspath() {
    String cp = System.getProperty("surefire.test.class.path");
    if (cp == null || cp.isBlank()) {
      cp = System.getProperty("java.class.path");
    }
    List<String> out = new ArrayList<>();
    for (String e : cp.split(File.pathSeparator)) {
      if (!e.isBlank()) {
        out.add(e);
      }
    }
    return out;
  }

  private static void packJar(List<Path> dirs, Path jar) throws IOException {
    java.util.Set<String> seen = new java.util.HashSet<>();
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

  /** The {@code --add-opens} (and related) flags this JVM runs with: the root pom's {@code spark.jvm.opens}. */
  private static List<String> inheritedJvmOptions() {
    List<String> out = new ArrayList<>();
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports") || arg.startsWith("-Djdk.reflect")
          || arg.startsWith("-Dlog4j2.configurationFile")) {
        out.add(arg);
      }
    }
    return out;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  private Process launch(String name, List<String> mainAndArgs) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaCommand);
    cmd.add("-Xmx256m");
    cmd.addAll(SMALL_JVM);
    cmd.addAll(jvmOptions);
    daemonConf.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
    cmd.add("-cp");
    cmd.add(sparkHome.resolve("jars") + File.separator + "*" + File.pathSeparator + appJar + daemonOnlyClasspath());
    cmd.add(ParentWatch.class.getName());
    cmd.add(Long.toString(ProcessHandle.current().pid()));
    cmd.addAll(mainAndArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("SPARK_") || k.startsWith("PYSPARK_"));
    env.put("SPARK_HOME", sparkHome.toString());
    env.put("SPARK_SCALA_VERSION", "2.13");
    env.put("SPARK_LOCAL_IP", HOST);
    env.put("SPARK_LOCAL_HOSTNAME", HOST);
    env.put("SPARK_LOG_DIR", logs.toString());
    env.putAll(daemonEnv);
    pb.redirectErrorStream(true);
    pb.redirectOutput(logs.resolve(name + ".log").toFile());
    pb.directory(root.toFile());
    Process p = pb.start();
    synchronized (this) {
      processes.add(p);
    }
    return p;
  }

  /** The jar holding {@link ParentWatch} when it is not in the installation or the app jar (given Spark jars). */
  private String daemonOnlyClasspath() {
    try {
      Path where = Path.of(ParentWatch.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return Files.isRegularFile(where) && sparkJars != null ? File.pathSeparator + where : "";
    } catch (java.net.URISyntaxException | RuntimeException e) {
      return "";
    }
  }

  private void startMaster() throws IOException {
    masterPort = freePort();
    masterWebPort = freePort();
    master = launch("master", List.of("org.apache.spark.deploy.master.Master",
        "--host", HOST, "--port", Integer.toString(masterPort), "--webui-port", Integer.toString(masterWebPort)));
    await("the master at " + masterUrl(), START_TIMEOUT, () -> {
      try {
        return masterJson().contains("ALIVE");
      } catch (IOException e) {
        return false;
      }
    });
  }

  private void startWorker(int i, int cores) throws IOException {
    Path work = Files.createDirectories(root.resolve("work-" + i));
    workDirs.add(work);
    Process w = launch("worker-" + i, List.of("org.apache.spark.deploy.worker.Worker", masterUrl(),
        "--cores", Integer.toString(cores), "--memory", workerMemory, "--host", HOST,
        "--port", Integer.toString(freePort()), "--webui-port", Integer.toString(freePort()),
        "--work-dir", work.toString()));
    workers.add(w);
  }

  // ------------------------------------------------------------------ teardown

  /** Stops every process started (executors, workers, master) by pid, then removes the temporary files. */
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
    if (Boolean.getBoolean("meshgrad.cluster.keep")) {
      System.err.println("keeping the cluster's files in " + root);
    } else {
      deleteRecursively(root);
    }
  }

  /** Workers first (with their executors), then the master: SIGTERM, up to 10 s, then SIGKILL. */
  private void stopProcesses() {
    List<Process> order;
    synchronized (this) {
      order = new ArrayList<>(processes);
    }
    java.util.Collections.reverse(order);
    for (Process p : order) {
      List<ProcessHandle> children = p.descendants().toList();
      stop(p.toHandle());
      children.forEach(StandaloneCluster::stop);
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
      try {
        ph.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // reported by the caller's checks, if it matters
      }
    }
  }

  /** Whether any process this cluster started (or a descendant) is still alive. */
  public synchronized boolean anyAlive() {
    for (Process p : processes) {
      if (p.isAlive() || p.descendants().anyMatch(ProcessHandle::isAlive)) {
        return true;
      }
    }
    return false;
  }

  /** The command lines of every process started and of their descendants alive now. */
  public synchronized List<String> commandLines() {
    List<String> out = new ArrayList<>();
    for (Process p : processes) {
      out.add(commandLine(p.toHandle()));
      p.descendants().forEach(d -> out.add(commandLine(d)));
    }
    return out;
  }

  /** The pids of every process started and of their descendants alive now. */
  public synchronized List<Long> pids() {
    List<Long> out = new ArrayList<>();
    for (Process p : processes) {
      out.add(p.pid());
      p.descendants().forEach(d -> out.add(d.pid()));
    }
    return out;
  }

  /** Deletes a folder tree (links, not their targets); reports instead of failing. */
  public static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e);
    }
  }
}
