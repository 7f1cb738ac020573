package dev.sovereign.attestation.kms;

import java.util.Objects;

/**
 * The AWS KMS {@code Recipient} parameter: the enclave's signed attestation document (whose {@code
 * public_key} is the per-boot RSA-2048 key) and the algorithm to wrap released keys with.
 */
public final class Recipient {
  private final byte[] attestationDocument;
  private final KeyEncryptionAlgorithm keyEncryptionAlgorithm;

  private Recipient(byte[] attestationDocument, KeyEncryptionAlgorithm keyEncryptionAlgorithm) {
    this.attestationDocument = attestationDocument;
    this.keyEncryptionAlgorithm = keyEncryptionAlgorithm;
  }

  /**
   * A recipient with {@link KeyEncryptionAlgorithm#RSAES_OAEP_SHA_256}, the only algorithm KMS
   * accepts.
   */
  public static Recipient of(byte[] attestationDocument) {
    return create(attestationDocument, KeyEncryptionAlgorithm.RSAES_OAEP_SHA_256);
  }

  /** A recipient; the document bytes are copied (raw COSE_Sign1, not base64). */
  public static Recipient create(byte[] attestationDocument, KeyEncryptionAlgorithm algorithm) {
    Objects.requireNonNull(attestationDocument, "attestationDocument");
    Objects.requireNonNull(algorithm, "algorithm");
    if (attestationDocument.length == 0) {
      throw new IllegalArgumentException("empty attestation document");
    }
    return new Recipient(attestationDocument.clone(), algorithm);
  }

  /** The raw COSE_Sign1 attestation document (a copy). */
  public byte[] attestationDocument() {
    return attestationDocument.clone();
  }

  /** The key encryption algorithm. */
  public KeyEncryptionAlgorithm keyEncryptionAlgorithm() {
    return keyEncryptionAlgorithm;
  }

  @Override
  public String toString() {
    return "Recipient["
        + keyEncryptionAlgorithm
        + ", document "
        + attestationDocument.length
        + " bytes]";
  }
}
