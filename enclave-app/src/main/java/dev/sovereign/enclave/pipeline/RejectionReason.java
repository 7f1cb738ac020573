package dev.sovereign.enclave.pipeline;

/**
 * Why a payload was rejected. The wire name ({@link #code()}) is stable: hosts count it, results
 * publish it. Never rename a constant; add new ones at the end of their stage.
 */
public enum RejectionReason {
  // limits, before any cryptography
  PAYLOAD_TOO_LARGE,
  MALFORMED_JWE,
  JWE_ALGORITHM_NOT_ALLOWED,
  JWE_KID_MISMATCH,
  JWE_ZONE_MISSING,
  // JWE decryption
  INVALID_EPHEMERAL_KEY,
  DECRYPTION_FAILED,
  // inner JWS
  MALFORMED_JWS,
  JWS_ALGORITHM_NOT_ALLOWED,
  JWS_TYPE_INVALID,
  CLAIMS_INVALID,
  TOO_MANY_RECORDS,
  TOO_MANY_CREDENTIALS,
  PAYLOAD_NOT_CURRENT,
  ZONE_MISMATCH,
  // producer DID and signature
  PRODUCER_DID_METHOD_NOT_ALLOWED,
  PRODUCER_DID_UNRESOLVABLE,
  KID_NOT_PRODUCER,
  KEY_NOT_FOUND,
  KEY_NOT_AUTHORIZED,
  SIGNATURE_INVALID,
  /** A did:fabric producer for which the host supplied no verified, unexpired evidence. */
  DID_EVIDENCE_MISSING,
  /**
   * The did:fabric evidence the host supplied for the producer did not verify (log, endorsement,
   * freshness).
   */
  DID_EVIDENCE_INVALID,
  // credentials
  CREDENTIAL_MISSING,
  CREDENTIAL_INVALID,
  CREDENTIAL_SIGNATURE_INVALID,
  CREDENTIAL_EXPIRED,
  CREDENTIAL_NOT_YET_VALID,
  CREDENTIAL_REVOKED,
  CREDENTIAL_SUSPENDED,
  CREDENTIAL_STATUS_UNVERIFIED,
  CREDENTIAL_ISSUER_UNTRUSTED,
  CREDENTIAL_SUBJECT_MISMATCH,
  CREDENTIAL_WRONG_REGION,
  CREDENTIAL_DATASET_NOT_GRANTED,
  CREDENTIAL_VERIFIER_UNAVAILABLE,
  /**
   * The policy requires a {@code credentialStatus} (evidence.requireCredentialStatus) and the
   * producer's credential has none: it could never be revoked.
   */
  CREDENTIAL_STATUS_MISSING,
  // policy
  ZONE_NOT_PROCESSABLE_HERE,
  ZONE_NOT_ALLOWED_FOR_DATASET,
  ROUND_MISMATCH,
  DATASET_NOT_ALLOWED,
  METRIC_NOT_ALLOWED,
  GROUP_KEYS_INVALID,
  COUNTRY_OUTSIDE_ZONE,
  VALUE_OUT_OF_BOUNDS,
  /**
   * The records would open more (metric, group) cells than the policy's {@code output.maxGroups}.
   */
  GROUP_LIMIT_REACHED,
  /** The producer already had its {@code privacy.payloadsPerRound} payloads accepted this round. */
  PRODUCER_PAYLOAD_LIMIT,
  /**
   * The records go beyond the producer's {@code privacy.groupsPerProducer} or {@code
   * recordsPerGroup} and the dataset's {@code privacy.onExcess} is {@code reject}.
   */
  CONTRIBUTION_LIMIT_EXCEEDED,
  // replay
  REPLAY,
  // any stage
  /**
   * The payload made a verification stage fail in a way no other code names (a library threw on
   * input it should have refused). Counted like any rejection; never fails the payload's batch.
   */
  PAYLOAD_UNPROCESSABLE;

  /** The wire code, e.g. {@code jwe-kid-mismatch}. */
  public String code() {
    return name().toLowerCase().replace('_', '-');
  }
}
