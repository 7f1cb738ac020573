package dev.sovereign.demo;

import dev.sovereign.producer.HostClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The demo's host: {@code java -jar quarkus-run.jar} as a child process on a free loopback port,
 * with its own data directory, policy and admin token (handed over in the child's environment, not
 * on its command line); the host's dev launcher starts the enclave jar. {@code ./sovereign host
 * --dev} runs the same.
 */
public final class DemoHost implements AutoCloseable {
  private final Process process;
  private final URI base;
  private final Path log;

  /** Stops the host and its enclave if the demo's JVM ends early (Ctrl-C): no orphaned children. */
  private final Thread reaper;

  /**
   * Every descendant seen (the enclave): if the host dies, its children are re-parented and no
   * longer show up among its descendants, yet they must be stopped too.
   */
  private final java.util.Set<ProcessHandle> seen =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private DemoHost(Process process, URI base, Path log) {
    this.process = process;
    this.base = base;
    this.log = log;
    this.reaper =
        new Thread(
            () -> {
              process.descendants().forEach(ProcessHandle::destroy);
              seen.forEach(ProcessHandle::destroy);
              process.destroy();
            },
            "sovereign-demo-reaper");
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  /** Starts the host and waits (narrating progress) until {@code /q/health/ready} answers 200. */
  static DemoHost start(
      Path hostApp,
      Path enclaveJar,
      Path policy,
      Path dataDir,
      String adminToken,
      Duration timeout,
      PrintWriter progress)
      throws IOException {
    return start(hostApp, enclaveJar, policy, dataDir, adminToken, timeout, progress, List.of());
  }

  /**
   * As above, with {@code extraJvmArgs} (e.g. {@code -Dsovereign.host.rate-per-client=...}) after
   * the demo's own.
   */
  static DemoHost start(
      Path hostApp,
      Path enclaveJar,
      Path policy,
      Path dataDir,
      String adminToken,
      Duration timeout,
      PrintWriter progress,
      List<String> extraJvmArgs)
      throws IOException {
    return start(
        hostApp, enclaveJar, policy, dataDir, adminToken, timeout, progress, extraJvmArgs, 0);
  }

  /** As above on {@code port} (0: a free one). */
  public static DemoHost start(
      Path hostApp,
      Path enclaveJar,
      Path policy,
      Path dataDir,
      String adminToken,
      Duration timeout,
      PrintWriter progress,
      List<String> extraJvmArgs,
      int fixedPort)
      throws IOException {
    int port = fixedPort;
    if (port == 0) {
      try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      }
    }
    Files.createDirectories(dataDir);
    Path log = dataDir.resolve("host.log");
    Process p = launch(hostApp, enclaveJar, policy, dataDir, adminToken, port, log, extraJvmArgs);
    DemoHost host = new DemoHost(p, URI.create("http://127.0.0.1:" + port), log);
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    HostClient probe = HostClient.of(host.base);
    progress.print("      starting host and enclave ");
    progress.flush();
    try {
      while (true) {
        p.descendants().forEach(host.seen::add);
        if (!p.isAlive()) {
          progress.println();
          throw new IOException(
              "the host exited with status " + p.exitValue() + " (see " + log + ")");
        }
        try {
          if (probe.get("/q/health/ready").status() == 200) {
            break;
          }
        } catch (HostClient.UnreachableException e) {
          // not listening yet
        }
        if (System.nanoTime() > deadline) {
          progress.println();
          throw new IOException(
              "the host was not ready within " + timeout.toSeconds() + " s (see " + log + ")");
        }
        progress.print('.');
        progress.flush();
        Thread.sleep(250);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      host.close();
      throw new IOException("interrupted while starting the host");
    } catch (IOException e) {
      host.close();
      throw e;
    }
    progress.printf(" ready in %.1f s%n", (System.nanoTime() - start) / 1e9);
    progress.flush();
    return host;
  }

  /**
   * Starts the host process. The admin token reaches it through its environment ({@value
   * #ADMIN_TOKEN_ENV}, which Quarkus maps to {@code sovereign.host.admin-token}), never its command
   * line: {@code /proc/PID/cmdline} is readable by every local user, {@code /proc/PID/environ} only
   * by the process's owner.
   */
  static Process launch(
      Path hostApp,
      Path enclaveJar,
      Path policy,
      Path dataDir,
      String adminToken,
      int port,
      Path log,
      List<String> extraJvmArgs)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-Dquarkus.http.host=127.0.0.1");
    cmd.add("-Dquarkus.http.port=" + port);
    cmd.add("-Dsovereign.host.data-dir=" + dataDir);
    cmd.add("-Dsovereign.host.enclave.launch=true");
    cmd.add("-Dsovereign.host.enclave.jar=" + enclaveJar);
    cmd.add("-Dsovereign.host.enclave.policy=" + policy);
    cmd.add("-Dsovereign.host.enclave.batch=8");
    cmd.addAll(extraJvmArgs);
    cmd.add("-jar");
    cmd.add(hostApp.toString());
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put(ADMIN_TOKEN_ENV, adminToken);
    return pb.start();
  }

  /** The environment variable that carries the admin token to the host. */
  static final String ADMIN_TOKEN_ENV = "SOVEREIGN_HOST_ADMIN_TOKEN";

  public URI base() {
    return base;
  }

  /** The host's log file. */
  public Path log() {
    return log;
  }

  /** Waits until the host process ends; answers its exit status. */
  public int waitFor() throws InterruptedException {
    return process.waitFor();
  }

  public long pid() {
    return process.pid();
  }

  /** The enclave process the host's dev launcher started (a child running the enclave jar). */
  public java.util.Optional<ProcessHandle> enclave(Path enclaveJar) {
    String jar = enclaveJar.toString();
    process.descendants().forEach(seen::add);
    return process
        .descendants()
        .filter(ProcessHandle::isAlive)
        .filter(
            p ->
                p.info()
                    .commandLine()
                    .map(c -> c.contains(jar) && c.contains("--listen"))
                    .orElse(false))
        .findFirst();
  }

  /**
   * Stops the host (SIGTERM, then SIGKILL after 10 s); the host stops its enclave child on
   * shutdown.
   */
  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down; the reaper runs
    }
    process.descendants().forEach(seen::add);
    List<ProcessHandle> children = List.copyOf(seen);
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    for (ProcessHandle c : children) {
      if (c.isAlive()) {
        c.destroy();
        try {
          c.onExit().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
          c.destroyForcibly();
        }
      }
    }
  }
}
