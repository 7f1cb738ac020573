package dev.sovereign.demo;

import dev.sovereign.fabric.localnet.LocalFabricNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How {@code sovereign demo --ledger fabric} gets its local two-organisation Fabric network: the
 * command line's set-up ({@link Setup}: the release directory, the project's script, the chaincode
 * jar), checked before anything starts. The network itself is a {@link LocalFabricNetwork}.
 */
public final class DemoFabricNetwork {

  private DemoFabricNetwork() {}

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

  /**
   * Starts a network with its state in {@code state} (at most 4 minutes); on failure nothing is
   * left running and the exception says where the logs are.
   */
  public static LocalFabricNetwork start(Setup setup, Path state)
      throws IOException, InterruptedException {
    return LocalFabricNetwork.start(
        setup.script(),
        setup.fabricHome(),
        state,
        Map.of("--chaincode-jar", setup.chaincodeJar().toString()),
        Duration.ofMinutes(4));
  }
}
