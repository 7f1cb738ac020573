package dev.sovereign.attestation.nsm.simulated;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * What the simulated NSM measures and where it keeps its PKI.
 *
 * @param stateDir directory for the simulated PKI (created if missing; {@code <stateDir>/nsm})
 * @param enclaveArtifact the enclave jar whose bytes give PCR0 and PCR2
 * @param parentRoleArn IAM role ARN of the parent instance for PCR3, or {@code null} for none (zero
 *     PCR3)
 * @param parentInstanceId instance id for PCR4, or {@code null} for the one kept in the state
 *     directory
 * @param region region name used in certificate subjects
 * @param clock time source for document timestamps and certificate validity
 */
public record SimulationConfig(
    Path stateDir,
    Path enclaveArtifact,
    String parentRoleArn,
    String parentInstanceId,
    String region,
    Clock clock) {

  /** Region name used when none is configured. */
  public static final String DEFAULT_REGION = "local-1";

  public SimulationConfig {
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(enclaveArtifact, "enclaveArtifact");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(clock, "clock");
    if (parentInstanceId != null && !parentInstanceId.matches("i-[0-9a-f]{8,17}")) {
      throw new IllegalArgumentException(
          "an instance id looks like i-0123456789abcdef0, got " + parentInstanceId);
    }
    if (!region.matches("[a-z0-9-]{1,32}")) {
      throw new IllegalArgumentException("region must be lower-case letters, digits and dashes");
    }
  }

  /**
   * Defaults: no parent role, the stored instance id, region {@value #DEFAULT_REGION}, the system
   * clock.
   */
  public static SimulationConfig of(Path stateDir, Path enclaveArtifact) {
    return new SimulationConfig(
        stateDir, enclaveArtifact, null, null, DEFAULT_REGION, Clock.systemUTC());
  }

  /** A copy with the given parent IAM role ARN (PCR3). */
  public SimulationConfig withParentRoleArn(String arn) {
    return new SimulationConfig(stateDir, enclaveArtifact, arn, parentInstanceId, region, clock);
  }

  /** A copy with the given parent instance id (PCR4). */
  public SimulationConfig withParentInstanceId(String id) {
    return new SimulationConfig(stateDir, enclaveArtifact, parentRoleArn, id, region, clock);
  }

  /** A copy with the given clock. */
  public SimulationConfig withClock(Clock c) {
    return new SimulationConfig(
        stateDir, enclaveArtifact, parentRoleArn, parentInstanceId, region, c);
  }
}
