package dev.sovereign.attestation;

/**
 * Stable reason codes for a rejected attestation document. The names are a contract: CLIs print
 * them, JSON reports carry them, other modules count them. Add codes, never rename them.
 */
public enum AttestationRejection {
  /**
   * Not a well-formed Nitro COSE_Sign1 document: CBOR, COSE structure, header, field types or
   * sizes.
   */
  MALFORMED,
  /** The root of the bundle ({@code cabundle[0]}) is not byte-equal to any pinned root. */
  UNTRUSTED_ROOT,
  /**
   * A certificate of the chain is not signed by its predecessor, or breaks a chain rule (issuer
   * name, basic constraints, path length, key usage, algorithm, critical extensions).
   */
  CHAIN_INVALID,
  /** A certificate of the chain is not valid at the verification instant. */
  EXPIRED,
  /** The COSE_Sign1 signature does not verify with the leaf certificate's key. */
  SIGNATURE_INVALID,
  /** The document is older than the policy's maximum age at the verification instant. */
  TOO_OLD,
  /**
   * The document's timestamp lies after the verification instant (beyond the allowed clock skew).
   */
  TIMESTAMP_IN_FUTURE,
  /** PCR0, PCR1 or PCR2 is all zeros (debug-mode enclave) and the policy does not allow debug. */
  DEBUG_MODE,
  /** A PCR the policy requires (or has an allow-list for) is absent from the document. */
  PCR_MISSING,
  /** A PCR value is not in the policy's allow-list for its index. */
  PCR_MISMATCH,
  /** The document's nonce is absent or differs from the expected one. */
  NONCE_MISMATCH
}
