package dev.sovereign.fabric.localnet;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The project's local two-organisation Fabric network, started and stopped with {@code
 * scripts/fabric-network.sh} from a Fabric release directory (Org1MSP and Org2MSP, each with its
 * own CA, peer and chaincode server, one Raft orderer, channel {@code sovereign}, every listener on
 * 127.0.0.1, its state in one directory). {@code sovereign demo --ledger fabric}, the bench and the
 * Fabric integration tests all run it through this class.
 *
 * <p>The script stops what it started when {@code up} fails; {@link #start} also stops it when it
 * gives up waiting, and keeps a shutdown hook from the moment {@code up} starts until {@link
 * #close()}, so Ctrl-C never leaves network processes behind. The script's watcher ({@code
 * --watch-pid}) stops the network if this JVM dies without running its hooks (SIGKILL). {@link
 * #close()} stops exactly the PIDs the script recorded.
 */
public final class LocalFabricNetwork extends FabricNetworkDescription implements AutoCloseable {

  /** The organisations of the network. */
  public static final List<String> ORGS = List.of("org1", "org2");

  /** The script's path inside a checkout of the project. */
  public static final String SCRIPT = "scripts/fabric-network.sh";

  private final Path script;
  private final Path fabricHome;
  private final Path state;
  private final long upMillis;
  private final Thread downOnExit;
  private boolean closed;

  private LocalFabricNetwork(
      Path script, Path fabricHome, Path state, Properties props, Path described, long upMillis) {
    super(props, described);
    this.script = script;
    this.fabricHome = fabricHome;
    this.state = state;
    this.upMillis = upMillis;
    this.downOnExit = new Thread(() -> down(script, state), "fabric-network-down");
  }

  /**
   * Starts a network from the release directory {@code fabricHome} with its state in {@code state},
   * waiting at most {@code timeout}; {@code options} are extra {@code up} options in order (e.g.
   * {@code --chaincode-jar} to a jar, {@code --batch-timeout} to {@code 1s}). On failure nothing of
   * the network is left running and the exception says where the logs are.
   */
  public static LocalFabricNetwork start(
      Path script, Path fabricHome, Path state, Map<String, String> options, Duration timeout)
      throws IOException, InterruptedException {
    Files.createDirectories(state);
    long t0 = System.nanoTime();
    List<String> cmd = new ArrayList<>();
    cmd.add(script.toString());
    cmd.add("up");
    cmd.add("--fabric-home");
    cmd.add(fabricHome.toString());
    cmd.add("--state");
    cmd.add(state.toString());
    // the script's watcher stops the network if this JVM ends without its shutdown hook (SIGKILL)
    cmd.add("--watch-pid");
    cmd.add(Long.toString(ProcessHandle.current().pid()));
    options.forEach(
        (k, v) -> {
          cmd.add(k);
          cmd.add(v);
        });
    // stopped by the hook while up runs too: an interrupted up leaves recorded PIDs behind
    Thread early = new Thread(() -> down(script, state), "fabric-network-down");
    Runtime.getRuntime().addShutdownHook(early);
    try {
      run(cmd, timeout, state, "up");
    } catch (IOException | RuntimeException | InterruptedException e) {
      down(script, state);
      throw e;
    } finally {
      removeHook(early);
    }
    Path described = state.resolve("network.properties");
    Properties props = load(described);
    LocalFabricNetwork n =
        new LocalFabricNetwork(
            script,
            fabricHome,
            state,
            props,
            described,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    Runtime.getRuntime().addShutdownHook(n.downOnExit);
    return n;
  }

  /**
   * The script of the project checkout at or above {@code start} (the first directory holding
   * {@value #SCRIPT}).
   */
  public static Optional<Path> findScript(Path start) {
    for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
      Path s = p.resolve(SCRIPT);
      if (Files.isRegularFile(s)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /**
   * The CA mode {@code up} picks for the release directory {@code home}: {@code fabric-ca} when its
   * {@code bin/} has both Fabric CA binaries, else {@code cryptogen}.
   */
  public static String expectedCaMode(Path home) {
    Path bin = home.resolve("bin");
    return Files.isExecutable(bin.resolve("fabric-ca-server"))
            && Files.isExecutable(bin.resolve("fabric-ca-client"))
        ? "fabric-ca"
        : "cryptogen";
  }

  /** How long {@code up} took, in milliseconds. */
  public long upMillis() {
    return upMillis;
  }

  /** The release directory the network runs from. */
  public Path fabricHome() {
    return fabricHome;
  }

  /** The directory with every network process's log. */
  public Path logs() {
    return state.resolve("logs");
  }

  /** Whether the network recorded a PID for {@code process} (e.g. {@code ca-org1}). */
  public boolean hasProcess(String process) {
    return Files.exists(pidFile(process));
  }

  /** The PID of a network process ({@code peer-org1}, {@code chaincode-org2}, {@code orderer}). */
  public long pid(String process) throws IOException {
    String line = Files.readString(pidFile(process), StandardCharsets.US_ASCII).trim();
    return Long.parseLong(line.split(" ", -1)[0]);
  }

  /** SIGKILLs one network process (its recorded PID) and waits until it is gone. */
  public void kill(String process) throws IOException, InterruptedException {
    ProcessHandle p =
        ProcessHandle.of(pid(process))
            .orElseThrow(() -> new IllegalStateException(process + " is not running"));
    p.destroyForcibly();
    try {
      p.onExit().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(process + " did not exit after SIGKILL", e);
    }
  }

  /** Starts one network process again with the settings it had ({@code restart PROCESS}). */
  public void restart(String process) throws IOException, InterruptedException {
    run(
        List.of(script.toString(), "restart", process, "--state", state.toString()),
        Duration.ofMinutes(2),
        state,
        "restart");
  }

  /** Stops every process of the network (the PIDs the script recorded); idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    removeHook(downOnExit);
    down(script, state);
  }

  private Path pidFile(String process) {
    return state.resolve("pids").resolve(process + ".pid");
  }

  private static void down(Path script, Path state) {
    try {
      run(
          List.of(script.toString(), "down", "--state", state.toString()),
          Duration.ofMinutes(1),
          state,
          "down");
    } catch (IOException | RuntimeException e) {
      System.err.println("stopping the local Fabric network failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs (or ran) anyway
    }
  }

  private static void run(List<String> cmd, Duration timeout, Path state, String what)
      throws IOException, InterruptedException {
    Files.createDirectories(state);
    Path out = state.resolve("script-" + what + ".out");
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    try {
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        p.destroy();
        throw new IOException(
            SCRIPT
                + " "
                + what
                + " did not finish in "
                + timeout.toSeconds()
                + " s; see "
                + out
                + " and "
                + state.resolve("logs"));
      }
    } catch (InterruptedException e) {
      p.destroy();
      throw e;
    }
    if (p.exitValue() != 0) {
      String said = Files.readString(out, StandardCharsets.UTF_8).strip();
      throw new IOException(
          SCRIPT
              + " "
              + what
              + " failed ("
              + p.exitValue()
              + "): "
              + (said.isEmpty() ? "see " + out : said));
    }
  }
}
