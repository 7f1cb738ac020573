package dev.sovereign.attestation.nsm;

import java.io.IOException;

/**
 * Opens the NSM device. There is no fallback: the simulated NSM (development and tests only: its
 * root is public) is a separate, explicit choice made by naming {@code
 * dev.sovereign.attestation.nsm.simulated.SimulatedNsm}, which this package never refers to, so a
 * production enclave whose {@code /dev/nsm} is missing refuses to start instead of attesting with a
 * simulation.
 */
public final class Nsms {
  private Nsms() {}

  /**
   * The chosen NSM is not what this machine has. The message is one line, meant for an operator.
   */
  public static final class UnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    public UnavailableException(String message) {
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
}
