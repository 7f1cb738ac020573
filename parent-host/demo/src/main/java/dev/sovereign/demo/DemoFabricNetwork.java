package dev.sovereign.demo;

import java.io.IOException;
import java.io.Reader;
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
 * The local two-organisation Fabric network {@code sovereign demo --ledger fabric} runs on, started
 * and stopped with the project's {@code scripts/fabric-network.sh} (Org1MSP and Org2MSP, each with
 * its own CA, peer and chaincode server, one Raft orderer, channel {@code sovereign}, every
 * listener on 127.0.0.1, its state in one directory). {@link #close()} stops exactly the PIDs the
 * script recorded; a shutdown hook does the same on Ctrl-C, and the script's watcher stops the
 * network if this JVM dies without running it.
 */
public final class DemoFabricNetwork implements AutoCloseable {
  /** The organisations of the network ({@code scripts/fabric-network.sh}). */
  public static final List<String> ORGS = List.of("org1", "org2");

  /**
   * What the demo needs to start a network: a Fabric release directory ({@code bin/}, {@code
   * config/}), the project's script and the chaincode jar it serves.
   */
  public record Setup(Path fabricHome, Path script, Path chaincodeJar) {
    /**
     * What is wrong with this set-up, as one line naming the setting and how to fix it; empty when
     * a network can be started from it.
     */
    public Optional<String> problem() {
      for (String tool : List.of("peer", "orderer", "configtxgen", "osnadmin", "cryptogen")) {
        Path t = fabricHome.resolve("bin").resolve(tool);
        if (!Files.isRegularFile(t) || !Files.isExecutable(t)) {
          return Optional.of(
              "--fabric-home "
                  + fabricHome
                  + " is not a Fabric release directory (no executable bin/"
                  + tool
                  + "): pass --fabric-home DIR or set FABRIC_HOME to a directory with bin/ and config/"
                  + " (an extracted fabric-2.5.x-linux-amd64 release)");
        }
      }
      for (String yaml : List.of("core.yaml", "orderer.yaml")) {
        if (!Files.isRegularFile(fabricHome.resolve("config").resolve(yaml))) {
          return Optional.of(
              "--fabric-home "
                  + fabricHome
                  + " has no config/"
                  + yaml
                  + ": pass --fabric-home DIR or set FABRIC_HOME to a Fabric release directory with"
                  + " bin/ and config/");
        }
      }
      if (!Files.isRegularFile(script)) {
        return Optional.of(
            "the network script "
                + script
                + " is missing: run sovereign from the project's checkout (SOVEREIGN_HOME)");
      }
      if (!Files.isRegularFile(chaincodeJar)) {
        return Optional.of(
            "the chaincode jar "
                + chaincodeJar
                + " is missing: build it (./mvnw -B -q install -DskipTests)");
      }
      return Optional.empty();
    }
  }

  private final Setup setup;
  private final Path state;
  private final Properties props;
  private final long upMillis;
  private final Thread downOnExit;
  private boolean closed;

  private DemoFabricNetwork(Setup setup, Path state, Properties props, long upMillis) {
    this.setup = setup;
    this.state = state;
    this.props = props;
    this.upMillis = upMillis;
    this.downOnExit = new Thread(this::down, "fabric-network-down");
  }

  /**
   * Starts a network with its state in {@code state} (at most 4 minutes); on failure the script has
   * stopped what it started and the exception says where the logs are.
   */
  public static DemoFabricNetwork start(Setup setup, Path state)
      throws IOException, InterruptedException {
    Files.createDirectories(state);
    long t0 = System.nanoTime();
    List<String> cmd = new ArrayList<>();
    cmd.add(setup.script().toString());
    cmd.add("up");
    cmd.add("--fabric-home");
    cmd.add(setup.fabricHome().toString());
    cmd.add("--state");
    cmd.add(state.toString());
    cmd.add("--chaincode-jar");
    cmd.add(setup.chaincodeJar().toString());
    // the script's watcher stops the network if this JVM ends without its shutdown hook (SIGKILL)
    cmd.add("--watch-pid");
    cmd.add(Long.toString(ProcessHandle.current().pid()));
    // stopped by the hook while up runs too: an interrupted up leaves recorded PIDs behind
    Thread early = new Thread(() -> down(setup, state), "fabric-network-down");
    Runtime.getRuntime().addShutdownHook(early);
    try {
      run(cmd, Duration.ofMinutes(4), state, "up");
    } catch (IOException | RuntimeException e) {
      down(setup, state);
      throw e;
    } finally {
      removeHook(early);
    }
    Properties props = new Properties();
    try (Reader r =
        Files.newBufferedReader(state.resolve("network.properties"), StandardCharsets.UTF_8)) {
      props.load(r);
    }
    DemoFabricNetwork n =
        new DemoFabricNetwork(
            setup, state, props, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    Runtime.getRuntime().addShutdownHook(n.downOnExit);
    return n;
  }

  private String get(String key) {
    String v = props.getProperty(key);
    if (v == null) {
      throw new IllegalStateException(
          "network.properties has no " + key + " (see " + state.resolve("logs") + ")");
    }
    return v;
  }

  /** The channel: the did:fabric network name. */
  public String channel() {
    return get("channel");
  }

  /** The MSP id of {@code org} ({@code org1}, {@code org2}). */
  public String mspId(String org) {
    return get(org + ".mspId");
  }

  /** The organisation CA certificate (PEM) of {@code org}. */
  public String caPem(String org) throws IOException {
    return Files.readString(Path.of(get(org + ".ca")), StandardCharsets.US_ASCII);
  }

  /**
   * Where the organisations' identities come from: {@code fabric-ca} (a Fabric CA server per
   * organisation, when the release directory has the Fabric CA binaries) or {@code cryptogen}.
   */
  public String caMode() {
    return get("caMode");
  }

  /** How long {@code up} took, in milliseconds. */
  public long upMillis() {
    return upMillis;
  }

  /** The directory with every network process's log. */
  public Path logs() {
    return state.resolve("logs");
  }

  /** The release directory the network runs from. */
  public Path fabricHome() {
    return setup.fabricHome();
  }

  /**
   * The did:fabric settings (as the host's {@code sovereign.host.did.*} and {@code
   * FabricGatewayConnection} read them): through Org1's peer as Org1's user, both organisations'
   * CAs pinned and an endorsement by both required.
   */
  public Map<String, String> settings() {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("fabric.gateway", get("org1.peer.address"));
    s.put("fabric.authority", get("org1.peer.hostname"));
    s.put("fabric.tlsCa", get("org1.peer.tlsCa"));
    s.put("fabric.mspId", mspId("org1"));
    s.put("fabric.cert", get("org1.user.cert"));
    s.put("fabric.key", get("org1.user.key"));
    s.put("fabric.channel", channel());
    s.put("fabric.chaincode", get("chaincode"));
    StringBuilder pins = new StringBuilder();
    for (String org : ORGS) {
      if (pins.length() > 0) {
        pins.append(',');
      }
      pins.append(mspId(org)).append('=').append(get(org + ".ca"));
    }
    s.put("fabric.pinnedCa", pins.toString());
    s.put("fabric.minEndorsingOrgs", Integer.toString(ORGS.size()));
    return s;
  }

  /** Stops every process of the network (the PIDs the script recorded); idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    removeHook(downOnExit);
    down();
  }

  private void down() {
    down(setup, state);
  }

  private static void down(Setup setup, Path state) {
    try {
      run(
          List.of(setup.script().toString(), "down", "--state", state.toString()),
          Duration.ofMinutes(1),
          state,
          "down");
    } catch (IOException | RuntimeException e) {
      System.err.println("sovereign demo: stopping the Fabric network failed: " + e.getMessage());
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
    Path out = state.resolve("script-" + what + ".out");
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    try {
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        p.destroy();
        throw new IOException(
            "scripts/fabric-network.sh "
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
          "scripts/fabric-network.sh "
              + what
              + " failed ("
              + p.exitValue()
              + "): "
              + (said.isEmpty() ? "see " + out : said));
    }
  }
}
