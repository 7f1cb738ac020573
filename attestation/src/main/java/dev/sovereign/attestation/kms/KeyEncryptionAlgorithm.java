package dev.sovereign.attestation.kms;

/**
 * How a key broker wraps released keys to the recipient's attested public key (AWS KMS {@code
 * KeyEncryptionAlgorithm}).
 */
public enum KeyEncryptionAlgorithm {
  /**
   * RSAES-OAEP with SHA-256 as digest and as MGF1 digest, empty label; the only value AWS KMS
   * accepts.
   */
  RSAES_OAEP_SHA_256
}
