package dev.sovereign.attestation.seal;

import dev.sovereign.attestation.kms.KeyReleaseRefusal;
import java.util.Objects;
import java.util.Optional;

/** A sealed blob was refused; carries the code and, for broker refusals, the broker's code. */
public final class SealRejectedException extends Exception {
  private static final long serialVersionUID = 1L;

  private final SealRejection reason;
  private final KeyReleaseRefusal keyReleaseRefusal;

  /** A rejection that did not come from the key broker. */
  public SealRejectedException(SealRejection reason, String detail) {
    this(reason, null, detail, null);
  }

  /** A rejection with the broker's refusal code (for KEY_RELEASE_REFUSED) and its cause. */
  public SealRejectedException(
      SealRejection reason, KeyReleaseRefusal refusal, String detail, Throwable cause) {
    super(
        Objects.requireNonNull(reason, "reason")
            + (refusal == null ? "" : ":" + refusal)
            + " - "
            + detail,
        cause);
    this.reason = reason;
    this.keyReleaseRefusal = refusal;
  }

  /** The stable reason code. */
  public SealRejection reason() {
    return reason;
  }

  /** The key broker's reason, when the broker refused. */
  public Optional<KeyReleaseRefusal> keyReleaseRefusal() {
    return Optional.ofNullable(keyReleaseRefusal);
  }
}
