package dev.sovereign.attestation.seal;

/**
 * Stable reason codes for a sealed blob the enclave refuses to seal or open. Add codes, never
 * rename them.
 */
public enum SealRejection {
  /** Not a sealed-state blob: magic, lengths or field limits are wrong. */
  MALFORMED,
  /** A format version this code does not read. */
  UNSUPPORTED_VERSION,
  /**
   * The header names another key, measurement, region or policy hash than the opening enclave's.
   */
  BINDING_MISMATCH,
  /**
   * The header or the body was modified: the broker rejected the wrapped key's context, or GCM
   * failed.
   */
  TAMPERED,
  /**
   * The key broker refused to release the data key; {@link
   * SealRejectedException#keyReleaseRefusal()} says why.
   */
  KEY_RELEASE_REFUSED,
  /** The broker's {@code CiphertextForRecipient} did not open with the enclave's recipient key. */
  ENVELOPE_REJECTED
}
