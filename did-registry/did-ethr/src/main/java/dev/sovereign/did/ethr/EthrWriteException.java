package dev.sovereign.did.ethr;

import java.util.Optional;

/**
 * A registry write that did not happen: rejected by the contract or the node, or the node
 * unreachable.
 */
public final class EthrWriteException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Stable reason codes. */
  public enum Reason {
    /** The sender is not the identity's current owner ({@code bad_actor}). */
    BAD_ACTOR("ethr.bad_actor"),
    /**
     * The meta-transaction signature does not recover to the current owner ({@code bad_signature}).
     */
    BAD_SIGNATURE("ethr.bad_signature"),
    /** The transaction reverted for another reason or was mined with status 0. */
    REVERTED("ethr.reverted"),
    /** The node refused the request or could not be reached. */
    NODE_ERROR("ethr.node_error");

    private final String code;

    Reason(String code) {
      this.code = code;
    }

    /** The stable code, e.g. {@code ethr.bad_actor}. */
    public String code() {
      return code;
    }
  }

  private final Reason reason;
  private final String transactionHash;

  EthrWriteException(Reason reason, String message, String transactionHash, Throwable cause) {
    super(reason.code() + ": " + message, cause);
    this.reason = reason;
    this.transactionHash = transactionHash;
  }

  /** Why the write failed. */
  public Reason reason() {
    return reason;
  }

  /** The transaction hash, when the transaction was sent. */
  public Optional<String> transactionHash() {
    return Optional.ofNullable(transactionHash);
  }

  static Reason classify(String nodeMessage) {
    if (nodeMessage == null) {
      return Reason.NODE_ERROR;
    }
    if (nodeMessage.contains("bad_actor")) {
      return Reason.BAD_ACTOR;
    }
    if (nodeMessage.contains("bad_signature")) {
      return Reason.BAD_SIGNATURE;
    }
    if (nodeMessage.contains("revert")) {
      return Reason.REVERTED;
    }
    return Reason.NODE_ERROR;
  }
}
