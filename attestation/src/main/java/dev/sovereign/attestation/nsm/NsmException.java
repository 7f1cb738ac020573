package dev.sovereign.attestation.nsm;

import java.util.Objects;

/**
 * The NSM answered an operation with an error (a {@link Response.Error}), or with a response of the
 * wrong kind ({@link ErrorCode#INVALID_RESPONSE}). Carries the protocol's error code.
 */
public final class NsmException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public NsmException(ErrorCode code, String message) {
    super(code.wireName() + ": " + message);
    this.code = Objects.requireNonNull(code);
  }

  /** The NSM error code. */
  public ErrorCode code() {
    return code;
  }
}
