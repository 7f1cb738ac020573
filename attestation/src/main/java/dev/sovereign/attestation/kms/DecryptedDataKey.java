package dev.sovereign.attestation.kms;

import java.util.Objects;

/**
 * A Decrypt answer for a recipient: the plaintext wrapped to the enclave ({@code
 * CiphertextForRecipient}).
 */
public final class DecryptedDataKey {
  private final String keyId;
  private final byte[] ciphertextForRecipient;

  /** Copies the envelope. */
  public DecryptedDataKey(String keyId, byte[] ciphertextForRecipient) {
    this.keyId = Objects.requireNonNull(keyId, "keyId");
    this.ciphertextForRecipient =
        Objects.requireNonNull(ciphertextForRecipient, "ciphertextForRecipient").clone();
  }

  /** The ARN of the KMS key that had wrapped the data key. */
  public String keyId() {
    return keyId;
  }

  /** The CMS EnvelopedData wrapping the plaintext to the recipient's public key. */
  public byte[] ciphertextForRecipient() {
    return ciphertextForRecipient.clone();
  }

  @Override
  public String toString() {
    return "DecryptedDataKey[" + keyId + "]";
  }
}
