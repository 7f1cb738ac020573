package dev.sovereign.attestation;

import java.time.Instant;

/**
 * An attestation document that passed every check of an {@link AttestationVerifier}: chain to a
 * pinned root, COSE signature, validity at {@link #verifiedAt()}, age, PCRs, nonce. Only a verifier
 * creates one.
 */
public final class VerifiedAttestation {
  private final AttestationDocument document;
  private final Instant verifiedAt;
  private final boolean debugMode;

  VerifiedAttestation(AttestationDocument document, Instant verifiedAt, boolean debugMode) {
    this.document = document;
    this.verifiedAt = verifiedAt;
    this.debugMode = debugMode;
  }

  /** The verified document. */
  public AttestationDocument document() {
    return document;
  }

  /** The instant at which the certificates were checked to be valid. */
  public Instant verifiedAt() {
    return verifiedAt;
  }

  /** The document's own creation time. */
  public Instant timestamp() {
    return Instant.ofEpochMilli(document.timestampMillis());
  }

  /** Whether PCR0, PCR1 or PCR2 is all zeros (a debug-mode enclave that the policy allowed). */
  public boolean debugMode() {
    return debugMode;
  }

  /** {@code public_key} of the verified document, or {@code null}. */
  public byte[] publicKey() {
    return document.publicKey();
  }

  /** {@code user_data} of the verified document, or {@code null}. */
  public byte[] userData() {
    return document.userData();
  }

  /** {@code nonce} of the verified document, or {@code null}. */
  public byte[] nonce() {
    return document.nonce();
  }

  /** One PCR of the verified document, or {@code null}. */
  public byte[] pcr(int index) {
    return document.pcr(index);
  }

  @Override
  public String toString() {
    return "VerifiedAttestation{"
        + document
        + ", verifiedAt="
        + verifiedAt
        + ", debugMode="
        + debugMode
        + "}";
  }
}
