package dev.sovereign.attestation.kms;

import java.util.Objects;

/**
 * A GenerateDataKey answer for a recipient: the data key wrapped under the KMS key ({@code
 * CiphertextBlob}, to be stored) and wrapped to the enclave ({@code CiphertextForRecipient}, to be
 * opened with {@link RecipientKeyPair#open}).
 */
public final class GeneratedDataKey {
  private final String keyId;
  private final byte[] ciphertextBlob;
  private final byte[] ciphertextForRecipient;

  /** Copies both byte arrays. */
  public GeneratedDataKey(String keyId, byte[] ciphertextBlob, byte[] ciphertextForRecipient) {
    this.keyId = Objects.requireNonNull(keyId, "keyId");
    this.ciphertextBlob = Objects.requireNonNull(ciphertextBlob, "ciphertextBlob").clone();
    this.ciphertextForRecipient =
        Objects.requireNonNull(ciphertextForRecipient, "ciphertextForRecipient").clone();
  }

  /** The ARN of the KMS key that wrapped the data key. */
  public String keyId() {
    return keyId;
  }

  /** The data key encrypted under the KMS key (opaque to the enclave). */
  public byte[] ciphertextBlob() {
    return ciphertextBlob.clone();
  }

  /** The CMS EnvelopedData wrapping the data key to the recipient's public key. */
  public byte[] ciphertextForRecipient() {
    return ciphertextForRecipient.clone();
  }

  @Override
  public String toString() {
    return "GeneratedDataKey[" + keyId + ", blob " + ciphertextBlob.length + " bytes]";
  }
}
