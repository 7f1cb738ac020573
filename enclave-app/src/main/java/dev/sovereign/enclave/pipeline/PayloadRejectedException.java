package dev.sovereign.enclave.pipeline;

/**
 * A payload failed a pipeline stage. The {@link #reason()} leaves the enclave; the detail stays in
 * the enclave (it may describe the payload) and is never put on the wire.
 */
public final class PayloadRejectedException extends Exception {
  private final RejectionReason reason;

  public PayloadRejectedException(RejectionReason reason, String detail) {
    super(reason.code() + ": " + detail, null, false, false);
    this.reason = reason;
  }

  public PayloadRejectedException(RejectionReason reason, String detail, Throwable cause) {
    super(reason.code() + ": " + detail, cause, false, false);
    this.reason = reason;
  }

  public RejectionReason reason() {
    return reason;
  }
}
