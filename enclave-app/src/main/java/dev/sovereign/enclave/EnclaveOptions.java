package dev.sovereign.enclave;

import dev.sovereign.enclave.protocol.ListenAddress;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How to start the enclave.
 *
 * @param listen where to accept the host
 * @param policy the sovereignty policy YAML; null = the host sends it with {@code LoadPolicy} (once
 *     per boot)
 * @param stateDir the simulated NSM's state (its PKI); unused with the NSM device
 * @param measuredArtifact the jar the simulated NSM measures into PCR0/PCR2; empty = the running
 *     jar
 * @param maxFrame the largest frame accepted, in bytes
 * @param threads verification threads (all cores by default)
 * @param keyBroker where sealing gets its data keys; empty = Seal/Restore answer {@code
 *     unavailable}
 * @param simParentRole simulated NSM only: the parent's IAM role ARN measured into PCR3
 * @param simParentInstance simulated NSM only: the parent's instance id measured into PCR4
 * @param simulatedNsm the simulated NSM, chosen explicitly ({@code --simulate-nsm}: development and
 *     tests, its root is public); false = the NSM device {@code /dev/nsm}, and without it the
 *     enclave refuses to start
 */
public record EnclaveOptions(
    ListenAddress listen,
    Path policy,
    Path stateDir,
    Optional<Path> measuredArtifact,
    int maxFrame,
    int threads,
    Optional<KeyBrokerOptions> keyBroker,
    Optional<String> simParentRole,
    Optional<String> simParentInstance,
    boolean simulatedNsm) {

  /** Without a key broker, with the simulation's default parent and the NSM chosen explicitly. */
  public EnclaveOptions(
      ListenAddress listen,
      Path policy,
      Path stateDir,
      Optional<Path> measuredArtifact,
      int maxFrame,
      int threads,
      boolean simulatedNsm) {
    this(
        listen,
        policy,
        stateDir,
        measuredArtifact,
        maxFrame,
        threads,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        simulatedNsm);
  }

  /**
   * {@code $SOVEREIGN_HOME/.sovereign} (as the CLI), else {@code .sovereign} in the working
   * directory.
   */
  public static Path defaultStateDir() {
    String home = System.getenv("SOVEREIGN_HOME");
    return Path.of(home == null || home.isBlank() ? "." : home)
        .resolve(".sovereign")
        .toAbsolutePath()
        .normalize();
  }
}
