package dev.sovereign.enclave.pipeline;

/**
 * A payload failed a pipeline stage. The {@link #reason()} leaves the enclave; the detail stays in
 * the enclave (it may describe the payload) and is never put on the wire.
 */
public final class PayloadRejectedException extends Exception {
  private final RejectionReason reason;
  private final transient MissingEvidence.Needs missing;
  private final String producer;

  public PayloadRejectedException(RejectionReason reason, String detail) {
    this(reason, detail, null);
  }

  public PayloadRejectedException(RejectionReason reason, String detail, Throwable cause) {
    super(reason.code() + ": " + detail, cause, false, false);
    this.reason = reason;
    this.missing = null;
    this.producer = null;
  }

  private PayloadRejectedException(
      PayloadRejectedException e, MissingEvidence.Needs missing, String producer) {
    super(e.getMessage(), e.getCause(), false, false);
    this.reason = e.reason;
    this.missing = missing;
    this.producer = producer;
  }

  /** This rejection, marked as explained by evidence the enclave did not hold. */
  PayloadRejectedException withMissing(MissingEvidence.Needs needs) {
    return new PayloadRejectedException(this, needs, producer);
  }

  /**
   * This rejection, marked as coming after {@code producerDid}'s signature on the payload verified
   * (the first marking stands).
   */
  PayloadRejectedException authenticatedBy(String producerDid) {
    return producer != null ? this : new PayloadRejectedException(this, missing, producerDid);
  }

  /**
   * The producer DID whose signature on the payload verified before it was rejected; empty when it
   * failed before any signature verified (anyone can make such a payload: results count it apart,
   * never under a reason code).
   */
  public java.util.Optional<String> authenticatedProducer() {
    return java.util.Optional.ofNullable(producer);
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
