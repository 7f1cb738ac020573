package dev.sovereign.producer;

/**
 * An input was rejected: an attestation that does not verify, a payload the host refused, a result
 * that fails the regulator's check. {@link #code()} is a stable kebab-case reason code.
 */
public final class RejectedException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String code;

  public RejectedException(String code, String detail) {
    super(detail);
    this.code = code;
  }

  public RejectedException(String code, String detail, Throwable cause) {
    super(detail, cause);
    this.code = code;
  }

  /** The reason code, e.g. {@code attestation-nonce-mismatch}. */
  public String code() {
    return code;
  }

  /** What was wrong, in one line (no secrets, no plaintext). */
  public String detail() {
    return getMessage();
  }
}
