package dev.sovereign.cli;

import java.nio.file.Path;

/**
 * Default locations: the state directory and the enclave jar, relative to {@code $SOVEREIGN_HOME}.
 */
final class CliPaths {
  private CliPaths() {}

  /** {@code $SOVEREIGN_HOME} (exported by the launcher), else the working directory. */
  static Path home() {
    String home = System.getenv("SOVEREIGN_HOME");
    return Path.of(home == null || home.isBlank() ? "." : home).toAbsolutePath().normalize();
  }

  /** {@code $SOVEREIGN_HOME/.sovereign}: simulated NSM PKI and other local state (gitignored). */
  static Path defaultState() {
    return home().resolve(".sovereign");
  }

  /**
   * The reproducible enclave jar the build writes ({@code
   * enclave-app/target/sovereign-enclave.jar}).
   */
  static Path defaultEnclaveJar() {
    return home().resolve("enclave-app/target/sovereign-enclave.jar");
  }
}
