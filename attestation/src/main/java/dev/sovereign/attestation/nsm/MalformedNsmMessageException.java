package dev.sovereign.attestation.nsm;

/**
 * Bytes that are not a well-formed NSM request or response (bad CBOR, unknown variant, wrong field
 * type).
 */
public final class MalformedNsmMessageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  MalformedNsmMessageException(String message) {
    super(message);
  }

  MalformedNsmMessageException(String message, Throwable cause) {
    super(message, cause);
  }
}
