package dev.sovereign.did.fabric.core;

/**
 * Signs did:fabric operation signing input for one controller key (message in, signature out), so
 * the key can live in an HSM, a KMS or the enclave. Ed25519 signs the message; P-256 returns r||s
 * (64 bytes, low s) over SHA-256 of the message.
 */
public interface ControllerSigner {
  /** The public key, as it appears in the document's capabilityInvocation. */
  Multikey publicKey();

  /** Signs the exact bytes given. */
  byte[] sign(byte[] message);
}
