package dev.sovereign.vc;

import java.util.Objects;

/**
 * Input rejected: carries the stable {@link ReasonCode} and the report of every step run so far.
 */
public final class CredentialRejectedException extends Exception {
  private final ReasonCode code;
  private final transient VerificationReport report;

  public CredentialRejectedException(ReasonCode code, String detail, VerificationReport report) {
    super(code + ": " + detail, null, false, false);
    this.code = Objects.requireNonNull(code);
    this.report = report;
  }

  public ReasonCode code() {
    return code;
  }

  /** The steps run up to and including the failing one. */
  public VerificationReport report() {
    return report;
  }
}
