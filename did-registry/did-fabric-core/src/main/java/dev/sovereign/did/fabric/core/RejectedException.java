package dev.sovereign.did.fabric.core;

/**
 * Input rejected by did:fabric rules: carries a stable {@link ReasonCode} and the subject DID if
 * known.
 */
public final class RejectedException extends Exception {
  private static final long serialVersionUID = 1L;
  private final ReasonCode reason;
  private final String did;

  public RejectedException(ReasonCode reason, String did, String detail) {
    super(reason.code() + (detail == null ? "" : ": " + detail));
    this.reason = reason;
    this.did = did;
  }

  public ReasonCode reason() {
    return reason;
  }

  /** The DID the rejected input was about, or null when it could not be parsed. */
  public String did() {
    return did;
  }
}
