package dev.sovereign.enclave.pipeline;

/**
 * A payload failed a pipeline stage. The {@link #reason()} leaves the enclave; the detail stays in
 * the enclave (it may describe the payload) and is never put on the wire.
 */
public final class PayloadRejectedException extends Exception {
  private final RejectionReason reason;
  private final transient MissingEvidence.Needs missing;

  public PayloadRejectedException(RejectionReason reason, String detail) {
    super(reason.code() + ": " + detail, null, false, false);
    this.reason = reason;
    this.missing = null;
  }

  public PayloadRejectedException(RejectionReason reason, String detail, Throwable cause) {
    super(reason.code() + ": " + detail, cause, false, false);
    this.reason = reason;
    this.missing = null;
  }

  private PayloadRejectedException(PayloadRejectedException e, MissingEvidence.Needs missing) {
    super(e.getMessage(), e.getCause(), false, false);
    this.reason = e.reason;
    this.missing = missing;
  }

  /** This rejection, marked as explained by evidence the enclave did not hold. */
  PayloadRejectedException withMissing(MissingEvidence.Needs needs) {
    return new PayloadRejectedException(this, needs);
  }

  /**
   * The evidence whose absence explains this rejection (set by {@link PayloadPipeline#verify}):
   * with it supplied, the payload may verify. Empty for every rejection that evidence cannot
   * change.
   */
  public java.util.Optional<MissingEvidence.Needs> missingEvidence() {
    return java.util.Optional.ofNullable(missing);
  }

  public RejectionReason reason() {
    return reason;
  }
}
