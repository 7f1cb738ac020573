package dev.sovereign.attestation.nsm;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Picks the NSM: the real {@code /dev/nsm} when this machine has one, otherwise the simulated NSM.
 */
public final class Nsms {
  private Nsms() {}

  /**
   * {@link DevNsm} when {@code /dev/nsm} exists (inside a Nitro Enclave; the simulation settings
   * are then ignored: the hypervisor measured the enclave), otherwise a {@link SimulatedNsm} booted
   * with {@code simulation}.
   */
  public static Nsm open(SimulationConfig simulation) throws IOException {
    if (DevNsm.available()) {
      return DevNsm.open();
    }
    return SimulatedNsm.open(simulation);
  }

  /**
   * {@link #open(SimulationConfig)} with the simulation defaults of {@link SimulationConfig#of}.
   */
  public static Nsm open(Path stateDir, Path enclaveArtifact) throws IOException {
    return open(SimulationConfig.of(stateDir, enclaveArtifact));
  }
}
