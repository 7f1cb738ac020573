package dev.sovereign.did.fabric.core;

/** Closed set of stable reason codes for rejected did:fabric input (method spec section 9). */
public enum ReasonCode {
  /** The DID does not match the did:fabric ABNF. */
  MALFORMED_DID,
  /** The DID names another network than the ledger that was asked. */
  WRONG_NETWORK,
  /** The operation is not well-formed JSON of the operation shape. */
  MALFORMED_OPERATION,
  /** The operation names another type than the transaction that carries it. */
  OPERATION_TYPE_MISMATCH,
  /** The document is not a valid did:fabric DID document (id, keys, size). */
  INVALID_DOCUMENT,
  /** {@code docHash} is not the SHA-256 of the JCS form of the document. */
  DOC_HASH_MISMATCH,
  /** The DID's id is not derived from the key that signed the create operation. */
  ID_NOT_DERIVED_FROM_KEY,
  /** A create for a DID that already exists. */
  DID_ALREADY_EXISTS,
  /** No such DID on this ledger. */
  DID_NOT_FOUND,
  /** No version with the requested versionId, or none at or before the requested versionTime. */
  VERSION_NOT_FOUND,
  /** The signing key is not a capabilityInvocation key of the current version. */
  SIGNER_NOT_CONTROLLER,
  /** The controller signature does not verify. */
  BAD_SIGNATURE,
  /** The exact operation was already applied. */
  REPLAYED_OPERATION,
  /** prevVersionId is not the current version. */
  STALE_PREV_VERSION,
  /** The DID is deactivated; deactivation is terminal. */
  DEACTIVATED,
  /** The transaction timestamp is earlier than the current version's versionTime. */
  VERSION_TIME_REGRESSION,
  /**
   * A per-DID endorsement policy names an organisation that is not a member of the channel: no peer
   * could ever endorse a later write, so the create is refused.
   */
  UNKNOWN_ENDORSING_ORG,
  /**
   * The committing peers invalidated the write because its endorsements do not satisfy the DID's
   * endorsement policy (a per-DID policy needs an organisation that did not endorse).
   */
  ENDORSEMENT_POLICY_FAILURE,
  /** An exported log is not well-formed. */
  LOG_MALFORMED,
  /** A log record's versionId is not the hash of the record. */
  LOG_VERSION_ID_MISMATCH,
  /** A log record does not link to its predecessor (prevVersionId or sequence). */
  LOG_BROKEN_CHAIN,
  /** A log contains records after a deactivation. */
  LOG_AFTER_DEACTIVATION,
  /** The log is for another DID than the one asked for. */
  LOG_DID_MISMATCH,
  /** An endorsed read does not verify: bad signature, untrusted certificate, wrong shape. */
  ENDORSEMENT_INVALID,
  /** The endorsed read answers for another DID or another nonce than asked. */
  ENDORSEMENT_MISMATCH,
  /** The log's last version is not the endorsed current version: the log is stale or truncated. */
  LOG_NOT_FRESH;

  /** The code as printed and sent on the wire. */
  public String code() {
    return name();
  }
}
