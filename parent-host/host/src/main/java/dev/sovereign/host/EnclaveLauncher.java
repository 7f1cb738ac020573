package dev.sovereign.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Development only: starts the enclave jar as a child process on a unix socket, with the simulated
 * NSM, so {@code ./sovereign host} works on a fresh machine. In production the enclave runs in a
 * Nitro Enclave and the host only connects to it over vsock.
 */
public final class EnclaveLauncher implements AutoCloseable {
  private final List<String> command;
  private final Path socket;
  private final Path log;
  private Process process;

  public EnclaveLauncher(Path jar, Path socket, Path policy, Path stateDir, Path log) {
    this(jar, socket, policy, stateDir, log, List.of());
  }

  /** With extra enclave options, e.g. {@code --key-broker URL --key-id ARN}. */
  public EnclaveLauncher(
      Path jar, Path socket, Path policy, Path stateDir, Path log, List<String> extraArgs) {
    this.socket = socket;
    this.log = log;
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs());
    cmd.add("-jar");
    cmd.add(jar.toString());
    // development only: the simulated NSM is this launcher's explicit choice (a Nitro host starts
    // the enclave image with nitro-cli, and the enclave there reads /dev/nsm)
    cmd.add("--simulate-nsm");
    cmd.add("--listen");
    cmd.add("unix:" + socket);
    if (policy != null) { // null: the enclave boots without one and waits for the host's LoadPolicy
      cmd.add("--policy");
      cmd.add(policy.toString());
    }
    cmd.add("--state");
    cmd.add(stateDir.toString());
    cmd.addAll(extraArgs);
    this.command = List.copyOf(cmd);
  }

  /**
   * Extra JVM options for the child, from the system property {@value #JVM_ARGS_PROPERTY}
   * (whitespace-separated; e.g. a flight recording for profiling).
   */
  static List<String> jvmArgs() {
    String v = System.getProperty(JVM_ARGS_PROPERTY, "").trim();
    return v.isEmpty() ? List.of() : List.of(v.split("\\s+"));
  }

  /** The system property that adds JVM options to the enclave child's command line. */
  public static final String JVM_ARGS_PROPERTY = "sovereign.launcher.enclave-jvm-args";

  /** Starts the enclave (again, if it died) and waits until its socket accepts connections. */
  public synchronized void start(Duration timeout) throws IOException {
    if (process != null && process.isAlive()) {
      return;
    }
    Files.createDirectories(socket.getParent());
    Files.deleteIfExists(socket);
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().keySet().removeIf(EnclaveLauncher::hostOnly);
    process = pb.start();
    Instant deadline = Instant.now().plus(timeout);
    // the socket file appears at bind, before the enclave listens: wait until a connection is taken
    while (!accepts(socket)) {
      if (!process.isAlive()) {
        throw new IOException(
            "the enclave exited with status " + process.exitValue() + " (see " + log + ")");
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IOException("the enclave did not open " + socket + " within " + timeout);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while starting the enclave", e);
      }
    }
  }

  /**
   * A variable of the host's environment the enclave child does not get: the host's own secrets
   * ({@code SOVEREIGN_HOST_*}, e.g. the admin token, and the CLI's {@code SOVEREIGN_ADMIN_TOKEN}).
   * The enclave's own settings ({@code AWS_*} for a development key broker, {@code SOVEREIGN_HOME})
   * pass. Secrets never go on the child's command line.
   */
  static boolean hostOnly(String name) {
    return name.startsWith("SOVEREIGN_HOST_") || name.equals("SOVEREIGN_ADMIN_TOKEN");
  }

  private static boolean accepts(Path socket) {
    if (!Files.exists(socket)) {
      return false;
    }
    try (AFUNIXSocket s = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(socket))) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether the child process is running. */
  public synchronized boolean alive() {
    return process != null && process.isAlive();
  }

  /** The child's pid, for fault-injection tests. */
  public synchronized long pid() {
    return process == null ? -1 : process.pid();
  }

  @Override
  public synchronized void close() {
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
