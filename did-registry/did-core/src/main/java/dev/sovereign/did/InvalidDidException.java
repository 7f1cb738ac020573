package dev.sovereign.did;

/**
 * Rejected input: a string that is not a conformant DID or DID URL. Carries the wire reason code.
 */
public final class InvalidDidException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final ResolutionError reason;
  private final String input;
  private final String detail;

  /** A rejection with its reason code, the input verbatim and what is wrong with it. */
  public InvalidDidException(ResolutionError reason, String input, String detail) {
    super(reason.code() + ": " + detail);
    this.reason = reason;
    this.input = input;
    this.detail = detail;
  }

  /** What is wrong, without the reason code prefix. */
  public String detail() {
    return detail;
  }

  /** {@link ResolutionError#INVALID_DID} or {@link ResolutionError#INVALID_DID_URL}. */
  public ResolutionError reason() {
    return reason;
  }

  /** The rejected input, verbatim. */
  public String input() {
    return input;
  }
}
