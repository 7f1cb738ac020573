package dev.sovereign.testing;

import dev.sovereign.fabric.localnet.LocalFabricNetwork;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The local two-organisation Fabric network ({@link LocalFabricNetwork}) for integration tests,
 * from a Fabric release directory configured with {@code -Dsovereign.fabric.home=DIR} or the {@code
 * FABRIC_HOME} environment variable. Without either, {@link #configuredHome()} is empty and the
 * tests that need a network are skipped ({@link #SKIP_MESSAGE} says how to enable them).
 *
 * <p>The network is started once per JVM ({@link #shared()}) with its state under {@code
 * target/fabric-network} of the module, and stopped when the JVM exits (or by the script's own
 * watcher if the JVM dies without running its shutdown hooks).
 */
public final class FabricNetwork {
  /** Why Fabric tests were skipped and how to run them. */
  public static final String SKIP_MESSAGE =
      "no Fabric release directory configured: run with -Dsovereign.fabric.home=DIR or FABRIC_HOME=DIR"
          + " (DIR has bin/peer, bin/orderer, bin/configtxgen, bin/osnadmin, bin/cryptogen and config/,"
          + " and with bin/fabric-ca-server and bin/fabric-ca-client a Fabric CA server runs per"
          + " organisation; .ci/run extracts ../shared/fabric/fabric-2.5.6-linux-amd64.tar.xz)";

  private static LocalFabricNetwork shared;

  private FabricNetwork() {}

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
  public static synchronized LocalFabricNetwork shared() {
    if (shared == null) {
      Path home = configuredHome().orElseThrow(() -> new IllegalStateException(SKIP_MESSAGE));
      shared = start(home, Path.of("target", "fabric-network").toAbsolutePath(), Map.of());
    }
    return shared;
  }

  /**
   * Starts a network from {@code home} with its state in {@code state}; {@code options} are extra
   * {@code up} options (e.g. {@code --batch-timeout} to {@code 1s}).
   */
  public static LocalFabricNetwork start(Path home, Path state, Map<String, String> options) {
    String root = System.getProperty("sovereign.root");
    Path from = root != null ? Path.of(root) : Path.of("");
    Path script =
        LocalFabricNetwork.findScript(from)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        LocalFabricNetwork.SCRIPT + " not found above " + from.toAbsolutePath()));
    try {
      return LocalFabricNetwork.start(script, home, state, options, Duration.ofMinutes(4));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The CA mode the network picks for {@code home} ({@link LocalFabricNetwork#expectedCaMode}). */
  public static String expectedCaMode(Path home) {
    return LocalFabricNetwork.expectedCaMode(home);
  }
}
