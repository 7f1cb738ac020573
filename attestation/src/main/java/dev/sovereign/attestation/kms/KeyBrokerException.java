package dev.sovereign.attestation.kms;

/** Our own failure or the transport's (broker unreachable, unexpected response), not a refusal. */
public final class KeyBrokerException extends Exception {
  private static final long serialVersionUID = 1L;

  /** A failure with a message free of key material. */
  public KeyBrokerException(String message, Throwable cause) {
    super(message, cause);
  }

  /** A failure with a message free of key material. */
  public KeyBrokerException(String message) {
    super(message);
  }
}
