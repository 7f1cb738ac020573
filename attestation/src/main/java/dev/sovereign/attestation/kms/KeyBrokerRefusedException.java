package dev.sovereign.attestation.kms;

import java.util.Objects;
import java.util.Optional;

/**
 * The key broker refused the request: a stable {@link KeyReleaseRefusal} code plus an optional
 * sub-code.
 */
public final class KeyBrokerRefusedException extends Exception {
  private static final long serialVersionUID = 1L;

  private final KeyReleaseRefusal reason;
  private final String subCode;
  private final String detail;

  /**
   * A refusal; {@code subCode} may be null (e.g. the {@code AttestationRejection} for
   * ATTESTATION_REJECTED).
   */
  public KeyBrokerRefusedException(KeyReleaseRefusal reason, String subCode, String detail) {
    super(
        Objects.requireNonNull(reason, "reason")
            + (subCode == null ? "" : ":" + subCode)
            + " - "
            + detail);
    this.reason = reason;
    this.subCode = subCode;
    this.detail = Objects.requireNonNull(detail, "detail");
  }

  /** The stable reason code. */
  public KeyReleaseRefusal reason() {
    return reason;
  }

  /** A finer code, such as the attestation rejection reason. */
  public Optional<String> subCode() {
    return Optional.ofNullable(subCode);
  }

  /** Human explanation; never holds key material. */
  public String detail() {
    return detail;
  }
}
