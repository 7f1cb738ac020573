package dev.sovereign.producer;

import com.nimbusds.jose.jwk.ECKey;
import dev.sovereign.attestation.VerifiedAttestation;

/**
 * An enclave whose attestation the producer verified: its DID, the policy hash it bound, and the
 * P-256 encryption key from the document's {@code public_key} with its RFC 7638 thumbprint.
 */
public record AttestedEnclave(
    String enclaveDid,
    String policySha256,
    ECKey encryptionKey,
    String kid,
    VerifiedAttestation attestation,
    byte[] document) {

  public AttestedEnclave {
    document = document.clone();
  }

  @Override
  public byte[] document() {
    return document.clone();
  }
}
