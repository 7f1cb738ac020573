package dev.sovereign.did.fabric.gateway;

/**
 * The Fabric network could not be reached or answered outside the protocol: our failure, not a
 * rejection.
 */
public final class FabricLedgerUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public FabricLedgerUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
