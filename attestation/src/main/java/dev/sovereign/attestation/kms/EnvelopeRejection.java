package dev.sovereign.attestation.kms;

/** Stable reason codes for a {@code CiphertextForRecipient} the enclave refuses to open. */
public enum EnvelopeRejection {
  /** Not a DER CMS ContentInfo holding EnvelopedData with one KeyTransRecipientInfo. */
  MALFORMED,
  /**
   * Key transport other than RSAES-OAEP with explicit SHA-256/MGF1-SHA-256, or content encryption
   * other than AES-256-CBC.
   */
  UNSUPPORTED_ALGORITHM,
  /**
   * RSA-OAEP decryption, the content-encryption key length or the content padding failed. One code
   * for all of them on purpose: distinguishable OAEP errors are Manger's oracle.
   */
  DECRYPTION_FAILED
}
