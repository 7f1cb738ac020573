package dev.sovereign.enclave.protocol;

/** A frame or message that cannot be read; carries the protocol error code to answer with. */
public final class FrameException extends Exception {
  private final ErrorCode code;
  private final boolean fatal;

  /**
   * @param fatal true when the byte stream can no longer be trusted to be on a frame boundary, so
   *     the connection must be closed after the error response
   */
  public FrameException(ErrorCode code, String detail, boolean fatal) {
    super(code.wire() + ": " + detail);
    this.code = code;
    this.fatal = fatal;
  }

  public ErrorCode code() {
    return code;
  }

  public boolean fatal() {
    return fatal;
  }
}
