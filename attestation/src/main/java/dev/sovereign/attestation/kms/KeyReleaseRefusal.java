package dev.sovereign.attestation.kms;

/**
 * Stable reason codes for a refused key release. The local key broker puts the code at the start of
 * the KMS error message ({@code "CODE[:SUBCODE] - text"}) so that any KMS client carries it; errors
 * from AWS KMS itself map to the generic codes. Add codes, never rename them.
 */
public enum KeyReleaseRefusal {
  /**
   * GenerateDataKey or Decrypt without a {@code Recipient}: the broker never releases plaintext
   * keys.
   */
  RECIPIENT_REQUIRED,
  /** The recipient names a key encryption algorithm other than RSAES_OAEP_SHA_256. */
  UNSUPPORTED_ALGORITHM,
  /**
   * The attestation document failed verification; the sub-code is the {@code AttestationRejection}.
   */
  ATTESTATION_REJECTED,
  /** The document's public key is not an RSA key of at least 2048 bits. */
  RECIPIENT_KEY_INVALID,
  /** The image (PCR0 / ImageSha384) or PCR1/2/8 are not allowed by the key policy. */
  PCR_NOT_ALLOWED,
  /**
   * PCR3 (parent instance role) or PCR4 (parent instance) is not in the key policy's host
   * allow-list.
   */
  HOST_NOT_ALLOWED,
  /**
   * The policy hash bound in {@code user_data} differs from the one the key policy or sealed state
   * expects.
   */
  POLICY_HASH_MISMATCH,
  /** No statement of the key policy allows the operation, or a statement denies it. */
  POLICY_DENIED,
  /** The sealed snapshot is older than the newest one sealed for this enclave identity. */
  ROLLBACK_REFUSED,
  /** The sealed state names another measurement or region than the attested recipient. */
  SEAL_BINDING_MISMATCH,
  /** The ciphertext blob was not produced by this broker, or its encryption context differs. */
  INVALID_CIPHERTEXT,
  /** The key does not exist. */
  KEY_NOT_FOUND,
  /** The request is malformed (KMS {@code ValidationException} and friends). */
  INVALID_REQUEST,
  /** A refusal by a broker that gave no Sovereign code (AWS KMS {@code AccessDeniedException}). */
  ACCESS_DENIED
}
