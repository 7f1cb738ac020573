package dev.sovereign.vc;

/**
 * Stable reason codes for every credential, status list, chain and presentation rejection. The enum
 * constant name is the code on the wire (reports, CLI output); never rename a constant.
 */
public enum ReasonCode {
  /**
   * Not a compact JWS, bad base64url, bad JSON, or a required member missing or of the wrong type.
   */
  MALFORMED,
  /** {@code alg: none} or an unsigned token. */
  ALG_NONE,
  /** An algorithm Sovereign does not accept at all. */
  ALG_NOT_ALLOWED,
  /** The algorithm does not match the type of the key it names. */
  ALG_KEY_MISMATCH,
  /** A {@code crit} header parameter we do not understand. */
  UNSUPPORTED_CRITICAL_HEADER,
  /** The token is neither a VCDM 2.0 (VC-JOSE-COSE) nor a VC-JWT 1.1 credential, or mixes both. */
  PROFILE_INVALID,
  /** The {@code kid} header is missing (required by VC-JOSE-COSE). */
  KID_MISSING,
  /** The {@code kid} names a verification method of a DID other than the issuer. */
  KID_ISSUER_MISMATCH,
  /** The issuer DID could not be resolved (or resolved as deactivated) at the credential's time. */
  DID_RESOLUTION_FAILED,
  /** The {@code kid} names no verification method with a usable public key. */
  KEY_NOT_FOUND,
  /** The key exists but is not authorized for {@code assertionMethod} at the credential's time. */
  KEY_NOT_ASSERTION_METHOD,
  /**
   * A presentation's key is not authorized for {@code authentication} (the holder's proof of
   * control).
   */
  KEY_NOT_AUTHENTICATION,
  /** The signature does not verify under the resolved key. */
  SIGNATURE_INVALID,
  /** {@code validFrom}/{@code nbf} is in the future beyond the clock skew. */
  NOT_YET_VALID,
  /** {@code validUntil}/{@code exp} is in the past beyond the clock skew. */
  EXPIRED,
  /** The status list says the credential is revoked. */
  REVOKED,
  /** The status list says the credential is suspended. */
  SUSPENDED,
  /** The status list could not be obtained. */
  STATUS_LIST_UNREACHABLE,
  /**
   * The status list credential is unsigned, wrongly signed, or signed by someone other than the
   * issuer.
   */
  STATUS_LIST_SIGNATURE_INVALID,
  /**
   * The status list credential is not a well-formed BitstringStatusListCredential for this purpose.
   */
  STATUS_LIST_INVALID,
  /** The status list is older than the verifier accepts or past its own validity. */
  STATUS_LIST_STALE,
  /** The decoded bitstring is shorter than the 131,072-entry minimum. */
  STATUS_LIST_TOO_SHORT,
  /** The status index points outside the list. */
  STATUS_INDEX_OUT_OF_RANGE,
  /** A status entry is malformed or of an unsupported purpose. */
  STATUS_ENTRY_INVALID,
  /** No accreditation links the issuer to a trust anchor. */
  CHAIN_BROKEN,
  /** An accreditation in the chain is itself invalid (signature, key, validity, status, type). */
  CHAIN_LINK_INVALID,
  /** A link grants more (zones, regions, datasets, validity) than its parent holds. */
  CHAIN_SCOPE_WIDENED,
  /**
   * The chain ends at an anchor, but the issuer is not accredited for the credential's region, zone
   * or dataset.
   */
  ISSUER_NOT_TRUSTED_FOR_REGION,
  /** The issuer is not a trust anchor and no trust anchors were configured to chain to. */
  ISSUER_NOT_TRUSTED,
  /** The presentation's nonce is not the expected one (replay). */
  VP_NONCE_MISMATCH,
  /** The presentation's audience does not include the expected verifier. */
  VP_AUDIENCE_MISMATCH,
  /** The presentation's holder is not the subject of an enclosed credential. */
  VP_HOLDER_MISMATCH,
  /** The presentation is malformed or an enclosed credential is rejected. */
  VP_INVALID
}
