package dev.sovereign.attestation.nsm;

/**
 * The hash an NSM's PCR bank uses ({@code Digest} in aws-nitro-enclaves-nsm-api); Nitro uses
 * SHA-384.
 */
public enum Digest {
  /** SHA-256, 32-byte PCRs. */
  SHA256(32),
  /** SHA-384, 48-byte PCRs: what Nitro Enclaves use. */
  SHA384(48),
  /** SHA-512, 64-byte PCRs. */
  SHA512(64);

  private final int length;

  Digest(int length) {
    this.length = length;
  }

  /** The length in bytes of one PCR. */
  public int length() {
    return length;
  }
}
