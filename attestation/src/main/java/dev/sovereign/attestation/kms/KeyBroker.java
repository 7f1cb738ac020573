package dev.sovereign.attestation.kms;

import java.util.Map;

/**
 * What an enclave asks of a key broker (AWS KMS or the local broker): data keys that come back
 * wrapped to its attested public key, never in plaintext. The encryption context is bound into the
 * {@code CiphertextBlob} (a Decrypt with another context fails) and is visible to key policies as
 * {@code kms:EncryptionContext:<key>}; it must not hold secrets.
 */
public interface KeyBroker {

  /** GenerateDataKey (AES_256) under {@code keyId} for {@code recipient}. */
  GeneratedDataKey generateDataKey(
      String keyId, Map<String, String> encryptionContext, Recipient recipient)
      throws KeyBrokerRefusedException, KeyBrokerException;

  /** Decrypt of a {@code CiphertextBlob} for {@code recipient}. */
  DecryptedDataKey decrypt(
      byte[] ciphertextBlob, Map<String, String> encryptionContext, Recipient recipient)
      throws KeyBrokerRefusedException, KeyBrokerException;

  /** GenerateDataKey without encryption context. */
  default GeneratedDataKey generateDataKey(String keyId, Recipient recipient)
      throws KeyBrokerRefusedException, KeyBrokerException {
    return generateDataKey(keyId, Map.of(), recipient);
  }

  /** Decrypt without encryption context. */
  default DecryptedDataKey decrypt(byte[] ciphertextBlob, Recipient recipient)
      throws KeyBrokerRefusedException, KeyBrokerException {
    return decrypt(ciphertextBlob, Map.of(), recipient);
  }
}
