package dev.sovereign.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Development only: starts the enclave jar as a child process on a unix socket, with the simulated
 * NSM, so {@code ./sovereign host} works on a fresh machine. In production the enclave runs in a
 * Nitro Enclave and the host only connects to it over vsock.
 *
 * <p>A host killed with SIGKILL cannot stop its child: the enclave process lives on, re-parented,
 * still serving the socket, its keys in memory, but with its development key broker (which lives in
 * the host's process) gone, so it can no longer seal or close a round. So the launcher records the
 * child it starts ({@value #RECORD}: pid, start time, socket) beside the socket, and before it
 * starts another one stops the recorded process, but only one it can prove is that child: the same
 * pid, the same start time and a command line serving the same socket. A pid reused by another
 * process is left alone. An enclave serving the socket that it cannot prove its own is never killed
 * and never run beside: the launcher refuses to start (docs/sealing.md, section 5).
 */
public final class EnclaveLauncher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(EnclaveLauncher.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The file, beside the socket, that records the running child. */
  public static final String RECORD = "enclave-process.json";

  private final List<String> command;
  private final Path socket;
  private final Path log;
  private final Path record;
  private Process process;

  public EnclaveLauncher(Path jar, Path socket, Path policy, Path stateDir, Path log) {
    this(jar, socket, policy, stateDir, log, List.of());
  }

  /** With extra enclave options, e.g. {@code --key-broker URL --key-id ARN}. */
  public EnclaveLauncher(
      Path jar, Path socket, Path policy, Path stateDir, Path log, List<String> extraArgs) {
    this.socket = socket;
    this.log = log;
    this.record = socket.resolveSibling(RECORD);
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
    stopStale();
    if (accepts(socket)) {
      throw new IOException(
          "an enclave this host did not start (or cannot prove it started) serves "
              + socket
              + "; stop it before starting this host");
    }
    Files.deleteIfExists(socket);
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().keySet().removeIf(EnclaveLauncher::hostOnly);
    process = pb.start();
    try {
      writeRecord(process);
    } catch (IOException e) {
      process.destroyForcibly(); // a child nobody could prove its own later is not left running
      throw e;
    }
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

  /**
   * Stops the child a previous host left running (recorded in {@value #RECORD}), when it is
   * provably that child: its pid is alive with the recorded start time and serves this socket.
   * SIGKILL, as a crash: its memory holds nothing the host's seal does not (its key broker died
   * with that host).
   */
  private void stopStale() throws IOException {
    Optional<Recorded> r = readRecord();
    if (r.isEmpty()) {
      return;
    }
    Optional<ProcessHandle> stale = ProcessHandle.of(r.get().pid()).filter(ProcessHandle::isAlive);
    if (stale.isPresent() && r.get().provablyIs(stale.get(), socket)) {
      LOG.warnf(
          "the enclave process %d started by a previous host on %s is still running; stopping it",
          r.get().pid(), socket);
      stale.get().destroyForcibly();
      try {
        stale.get().onExit().get(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
        throw new IOException("the previous enclave process " + r.get().pid() + " did not stop");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while stopping the previous enclave", e);
      }
    }
    Files.deleteIfExists(record);
  }

  /** The recorded child: pid, start time (as the kernel reports it), the socket it serves. */
  record Recorded(long pid, String startedAt, String socket) {
    /** Same pid, same start time, a command line (when readable) serving the same socket. */
    boolean provablyIs(ProcessHandle p, Path expectedSocket) {
      Optional<Instant> start = p.info().startInstant();
      if (p.pid() != pid
          || start.isEmpty()
          || !start.get().toString().equals(startedAt)
          || !socket.equals(expectedSocket.toString())) {
        return false;
      }
      return p.info().commandLine().map(c -> c.contains("unix:" + expectedSocket)).orElse(true);
    }
  }

  private Optional<Recorded> readRecord() {
    if (!Files.isRegularFile(record)) {
      return Optional.empty();
    }
    try {
      JsonNode n = JSON.readTree(Files.readString(record, StandardCharsets.UTF_8));
      return Optional.of(
          new Recorded(
              n.path("pid").asLong(-1),
              n.path("startedAt").asText(""),
              n.path("socket").asText("")));
    } catch (IOException e) {
      LOG.warnf("unreadable %s ignored", record);
      return Optional.empty();
    }
  }

  /** Records the child (0600, written to a temporary file and moved into place). */
  private void writeRecord(Process p) throws IOException {
    Optional<Instant> start = p.info().startInstant();
    if (start.isEmpty()) {
      LOG.warnf("no start time for enclave process %d: it is not recorded", p.pid());
      return;
    }
    var n = JSON.createObjectNode();
    n.put("pid", p.pid());
    n.put("startedAt", start.get().toString());
    n.put("socket", socket.toString());
    Path tmp = record.resolveSibling(RECORD + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(
        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, n.toString() + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, record, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
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
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
      if (!process.isAlive()) {
        try {
          Files.deleteIfExists(record);
        } catch (IOException e) {
          LOG.warnf("%s not removed", record);
        }
      }
    }
  }
}
