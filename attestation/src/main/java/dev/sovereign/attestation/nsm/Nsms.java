package dev.sovereign.attestation.nsm;

import java.io.IOException;

/**
 * Opens the NSM a caller chose. There is no fallback: the NSM device of a Nitro Enclave ({@link
 * #device()}) and the simulated NSM ({@link #simulated(SimulationConfig)}, development and tests
 * only: its root is public) are separate, explicit choices, so a production enclave whose {@code
 * /dev/nsm} is missing refuses to start instead of attesting with a simulation.
 */
public final class Nsms {
  private Nsms() {}

  /**
   * The chosen NSM is not what this machine has. The message is one line, meant for an operator.
   */
  public static final class UnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    UnavailableException(String message) {
      super(message);
    }
  }

  /**
   * The NSM device, {@code /dev/nsm} (inside a Nitro Enclave).
   *
   * @throws UnavailableException when this machine has no {@code /dev/nsm}
   */
  public static Nsm device() throws IOException {
    if (!DevNsm.available()) {
      throw new UnavailableException(
          "no NSM device at "
              + DevNsm.DEVICE
              + ": this is not a Nitro Enclave (the simulated NSM, for development only, must be"
              + " chosen explicitly)");
    }
    return DevNsm.open();
  }

  /**
   * The simulated NSM booted with {@code simulation} (development and tests).
   *
   * @throws UnavailableException inside a Nitro Enclave ({@code /dev/nsm} exists): there the
   *     hypervisor measures the enclave and a simulation would only hide that
   */
  public static Nsm simulated(SimulationConfig simulation) throws IOException {
    if (DevNsm.available()) {
      throw new UnavailableException(
          "the simulated NSM was chosen on a machine with "
              + DevNsm.DEVICE
              + " (a Nitro Enclave): use the NSM device");
    }
    return SimulatedNsm.open(simulation);
  }
}
