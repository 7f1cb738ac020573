package dev.sovereign.attestation;

import java.util.Objects;

/**
 * Rejected input: the attestation document is malformed or does not satisfy the policy. Carries a
 * stable {@link AttestationRejection} code and a human detail that never contains raw crypto
 * messages or class names.
 */
public final class AttestationRejectedException extends Exception {
  private static final long serialVersionUID = 1L;

  private final AttestationRejection reason;
  private final String detail;

  /** A rejection with its code and a short human explanation. */
  public AttestationRejectedException(AttestationRejection reason, String detail) {
    super(
        Objects.requireNonNull(reason, "reason") + ": " + Objects.requireNonNull(detail, "detail"));
    this.reason = reason;
    this.detail = detail;
  }

  /** The stable reason code. */
  public AttestationRejection reason() {
    return reason;
  }

  /** Human explanation (no crypto library messages, no class names). */
  public String detail() {
    return detail;
  }
}
