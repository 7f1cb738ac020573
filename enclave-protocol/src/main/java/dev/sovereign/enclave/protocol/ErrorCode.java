package dev.sovereign.enclave.protocol;

import java.util.Arrays;
import java.util.Optional;

/** The closed set of protocol error codes carried by an {@link Message.Error} response. */
public enum ErrorCode {
  /** The length prefix announced more bytes than the enclave accepts; the connection is closed. */
  FRAME_TOO_LARGE,
  /** The stream ended inside a frame; the connection is closed. */
  TRUNCATED_FRAME,
  /** The frame is shorter than its two-byte header. */
  MALFORMED_FRAME,
  /** The frame's version byte is not one this enclave speaks. */
  UNSUPPORTED_VERSION,
  /** The frame's type byte names no request. */
  UNKNOWN_MESSAGE_TYPE,
  /** The body is not the JSON object this message type requires. */
  MALFORMED_MESSAGE,
  /**
   * The request names a round this enclave life has never seen (a successor enclave before the host
   * restored or reopened it: recoverable).
   */
  UNKNOWN_ROUND,
  /** The round was closed (its result issued): final, the host must not resend (protocol 1.2). */
  ROUND_CLOSED,
  /**
   * The round is past the policy's {@code retention.roundTtl}: final, it will never issue a result
   * (protocol 1.2).
   */
  ROUND_EXPIRED,
  /** The round id is already in use (open or closed) in this enclave's life. */
  ROUND_EXISTS,
  /** The policy hash in the request is not the hash of the policy this enclave loaded. */
  POLICY_MISMATCH,
  /** The dataset is not declared in the loaded policy. */
  DATASET_NOT_IN_POLICY,
  /**
   * The request asked for something the policy forbids (for example noise parameters it does not
   * allow).
   */
  POLICY_FORBIDS,
  /** Evidence could not be parsed or did not verify. */
  EVIDENCE_REJECTED,
  /** Sealed state did not open or does not belong to this enclave. */
  SEAL_REJECTED,
  /**
   * The operation needs a component this enclave was started without (for example a key broker).
   */
  UNAVAILABLE,
  /** The enclave failed on its own side; no detail leaves the enclave. */
  INTERNAL,
  /**
   * The enclave was started without a policy and has not received {@link Message.LoadPolicy} yet.
   */
  POLICY_NOT_LOADED,
  /**
   * {@link Message.LoadPolicy} after a policy was loaded (from the file or the host): once per
   * boot.
   */
  POLICY_ALREADY_LOADED,
  /**
   * The policy sent with {@link Message.LoadPolicy} is invalid or does not list this enclave's
   * PCR0.
   */
  POLICY_INVALID,
  /**
   * Closing the round would spend more epsilon than its dataset's privacy budget has left; the
   * round stays open and no result is issued.
   */
  PRIVACY_BUDGET_EXHAUSTED,
  /**
   * The entries sent with {@link Message.SignAuditHead} do not extend the last head this enclave
   * signed (another chain, a lower or equal seq, a gap, or lines that do not hash to the head).
   */
  AUDIT_HEAD_REFUSED;

  /** The wire name, e.g. {@code frame-too-large}. */
  public String wire() {
    return name().toLowerCase().replace('_', '-');
  }

  /** The code with the given wire name. */
  public static Optional<ErrorCode> fromWire(String wire) {
    return Arrays.stream(values()).filter(c -> c.wire().equals(wire)).findFirst();
  }
}
