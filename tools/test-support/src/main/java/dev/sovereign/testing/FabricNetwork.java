package dev.sovereign.testing;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A local two-organisation Fabric network started by {@code scripts/fabric-network.sh} for
 * integration tests, from a Fabric release directory configured with {@code
 * -Dsovereign.fabric.home=DIR} or the {@code FABRIC_HOME} environment variable. Without either,
 * {@link #configuredHome()} is empty and the tests that need a network are skipped ({@link
 * #SKIP_MESSAGE} says how to enable them).
 *
 * <p>The network is started once per JVM ({@link #shared()}) with its state under {@code
 * target/fabric-network} of the module, stopped when the JVM exits (and by the script's own watcher
 * if the JVM dies without running its shutdown hooks).
 */
public final class FabricNetwork implements AutoCloseable {
  /** Why Fabric tests were skipped and how to run them. */
  public static final String SKIP_MESSAGE =
      "no Fabric release directory configured: run with -Dsovereign.fabric.home=DIR or FABRIC_HOME=DIR"
          + " (DIR has bin/peer, bin/orderer, bin/configtxgen, bin/osnadmin, bin/cryptogen and config/,"
          + " and with bin/fabric-ca-server and bin/fabric-ca-client a Fabric CA server runs per"
          + " organisation; .ci/run extracts ../shared/fabric/fabric-2.5.6-linux-amd64.tar.xz)";

  private static FabricNetwork shared;

  private final Path root;
  private final Path state;
  private final Properties props;

  private FabricNetwork(Path root, Path state, Properties props) {
    this.root = root;
    this.state = state;
    this.props = props;
  }

  /** The configured Fabric release directory, if any. */
  public static Optional<Path> configuredHome() {
    String dir = System.getProperty("sovereign.fabric.home");
    if (dir == null || dir.isBlank()) {
      dir = System.getenv("FABRIC_HOME");
    }
    if (dir == null || dir.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(Path.of(dir).toAbsolutePath());
  }

  /**
   * The network for this JVM, started on first use (about 10 to 60 s on a loaded 2-core machine),
   * stopped at exit. Requires {@link #configuredHome()}.
   */
  public static synchronized FabricNetwork shared() {
    if (shared == null) {
      Path home = configuredHome().orElseThrow(() -> new IllegalStateException(SKIP_MESSAGE));
      Path state = Path.of("target", "fabric-network").toAbsolutePath();
      shared = start(home, state, Map.of());
      FabricNetwork n = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(n::close, "fabric-network-down"));
    }
    return shared;
  }

  /**
   * Starts a network from {@code home} with its state in {@code state}; {@code options} are extra
   * {@code up} options (e.g. {@code --batch-timeout} to {@code 1s}).
   */
  public static FabricNetwork start(Path home, Path state, Map<String, String> options) {
    Path root = repositoryRoot();
    List<String> cmd = new ArrayList<>();
    cmd.add(root.resolve("scripts/fabric-network.sh").toString());
    cmd.add("up");
    cmd.add("--fabric-home");
    cmd.add(home.toString());
    cmd.add("--state");
    cmd.add(state.toString());
    cmd.add("--watch-pid");
    cmd.add(Long.toString(ProcessHandle.current().pid()));
    options.forEach(
        (k, v) -> {
          cmd.add(k);
          cmd.add(v);
        });
    run(cmd, Duration.ofMinutes(4), state);
    Properties props = new Properties();
    try (Reader r =
        Files.newBufferedReader(state.resolve("network.properties"), StandardCharsets.UTF_8)) {
      props.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new FabricNetwork(root, state, props);
  }

  /** A value of {@code STATE/network.properties} (e.g. {@code org1.peer.address}). */
  public String get(String key) {
    String v = props.getProperty(key);
    if (v == null) {
      throw new IllegalArgumentException("network.properties has no " + key);
    }
    return v;
  }

  /** A value of {@code STATE/network.properties}, if the network wrote it. */
  public Optional<String> find(String key) {
    return Optional.ofNullable(props.getProperty(key));
  }

  /**
   * How the organisations' identities were made: {@code fabric-ca} (a running fabric-ca-server per
   * organisation, used when the release directory has {@code bin/fabric-ca-server} and {@code
   * bin/fabric-ca-client}) or {@code cryptogen} (no CA server).
   */
  public String caMode() {
    return get("caMode");
  }

  /**
   * The CA mode {@code scripts/fabric-network.sh up} picks for the release directory {@code home}:
   * {@code fabric-ca} when its {@code bin/} has both Fabric CA binaries, else {@code cryptogen}.
   */
  public static String expectedCaMode(Path home) {
    Path bin = home.resolve("bin");
    return Files.isExecutable(bin.resolve("fabric-ca-server"))
            && Files.isExecutable(bin.resolve("fabric-ca-client"))
        ? "fabric-ca"
        : "cryptogen";
  }

  /** Whether the network recorded a PID for {@code process} (e.g. {@code ca-org1}). */
  public boolean hasProcess(String process) {
    return Files.exists(state.resolve("pids").resolve(process + ".pid"));
  }

  /** The channel (the did:fabric network name). */
  public String channel() {
    return get("channel");
  }

  /** The MSP id of {@code org} ({@code org1} or {@code org2}). */
  public String mspId(String org) {
    return get(org + ".mspId");
  }

  /** The organisation CA certificate file of {@code org}. */
  public Path caCert(String org) {
    return Path.of(get(org + ".ca"));
  }

  /**
   * The did:fabric settings (as {@code FabricGatewayConnection} reads them) to reach the network
   * through {@code org}'s peer as {@code org}'s user, with {@code pinned} organisations' CAs
   * pinned.
   */
  public Map<String, String> settings(String org, String... pinned) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("fabric.gateway", get(org + ".peer.address"));
    s.put("fabric.authority", get(org + ".peer.hostname"));
    s.put("fabric.tlsCa", get(org + ".peer.tlsCa"));
    s.put("fabric.mspId", mspId(org));
    s.put("fabric.cert", get(org + ".user.cert"));
    s.put("fabric.key", get(org + ".user.key"));
    s.put("fabric.channel", channel());
    s.put("fabric.chaincode", get("chaincode"));
    StringBuilder pins = new StringBuilder();
    for (String p : pinned) {
      if (pins.length() > 0) {
        pins.append(',');
      }
      pins.append(mspId(p)).append('=').append(get(p + ".ca"));
    }
    s.put("fabric.pinnedCa", pins.toString());
    return s;
  }

  /** The PID of a network process ({@code peer-org1}, {@code chaincode-org2}, {@code orderer}). */
  public long pid(String process) throws IOException {
    String line = Files.readString(state.resolve("pids").resolve(process + ".pid")).trim();
    return Long.parseLong(line.split(" ")[0]);
  }

  /** SIGKILLs one network process (its recorded PID). */
  public void kill(String process) throws IOException, InterruptedException {
    ProcessHandle p =
        ProcessHandle.of(pid(process))
            .orElseThrow(() -> new IllegalStateException(process + " is not running"));
    p.destroyForcibly();
    try {
      p.onExit().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(process + " did not exit after SIGKILL", e);
    }
  }

  /** Starts one network process again with the settings it had ({@code scripts ... restart}). */
  public void restart(String process) {
    run(
        List.of(
            root.resolve("scripts/fabric-network.sh").toString(),
            "restart",
            process,
            "--state",
            state.toString()),
        Duration.ofMinutes(2),
        state);
  }

  /** The directory holding the logs of every network process. */
  public Path logs() {
    return state.resolve("logs");
  }

  /** Stops every process of the network (exact PIDs); idempotent. */
  @Override
  public void close() {
    try {
      run(
          List.of(
              root.resolve("scripts/fabric-network.sh").toString(),
              "down",
              "--state",
              state.toString()),
          Duration.ofMinutes(1),
          state);
    } catch (RuntimeException e) {
      System.err.println("fabric-network down failed: " + e.getMessage());
    }
  }

  private static void run(List<String> cmd, Duration timeout, Path state) {
    try {
      Files.createDirectories(state);
      Path out = state.resolve("script-" + cmd.get(1) + ".out");
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        p.destroy();
        throw new IllegalStateException(
            String.join(" ", cmd) + " did not finish in " + timeout + "; see " + out);
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", cmd.subList(0, 2))
                + " failed ("
                + p.exitValue()
                + "): "
                + Files.readString(out).strip());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Path repositoryRoot() {
    String root = System.getProperty("sovereign.root");
    Path start = root != null ? Path.of(root) : Path.of("").toAbsolutePath();
    for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("scripts/fabric-network.sh"))) {
        return p;
      }
    }
    throw new IllegalStateException("scripts/fabric-network.sh not found above " + start);
  }
}
