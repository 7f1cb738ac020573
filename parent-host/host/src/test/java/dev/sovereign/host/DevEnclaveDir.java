package dev.sovereign.host;

import dev.sovereign.attestation.nsm.simulated.SimulatedMeasurements;
import dev.sovereign.enclave.policy.DevPolicy;
import dev.sovereign.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The working directory of a host test that launches a dev enclave: emptied, with its own copy of
 * the enclave jar (a rebuild of the shared jar during the run must not change the enclave's PCR0)
 * and a development sovereignty policy ({@link DevPolicy}) accepting that copy's PCR0.
 */
final class DevEnclaveDir {
  private DevEnclaveDir() {}

  /** Empties {@code dir} and copies the enclave jar into it; returns the copy. */
  static Path freshWithEnclaveJar(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    Files.createDirectories(dir);
    return Files.copy(
        Fixtures.projectRoot().resolve("enclave-app/target/sovereign-enclave.jar"),
        dir.resolve("sovereign-enclave.jar"));
  }

  /** Writes {@code dir/policy.yaml}: {@code policy} accepting {@code jar}'s PCR0. */
  static Path writePolicy(Path dir, Path jar, DevPolicy.Builder policy) throws IOException {
    return policy.pcr0(SimulatedMeasurements.pcr0(jar)).write(dir.resolve("policy.yaml"));
  }
}
