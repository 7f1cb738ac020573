package dev.sovereign.attestation.kms;

import java.util.Objects;

/** A {@code CiphertextForRecipient} was refused; the detail never holds key or plaintext bytes. */
public final class RecipientEnvelopeException extends Exception {
  private static final long serialVersionUID = 1L;

  private final EnvelopeRejection reason;

  /** A rejection with its stable code. */
  public RecipientEnvelopeException(EnvelopeRejection reason, String detail) {
    super(Objects.requireNonNull(reason, "reason") + " - " + detail);
    this.reason = reason;
  }

  /** The stable reason code. */
  public EnvelopeRejection reason() {
    return reason;
  }
}
