package dev.sovereign.attestation;

/**
 * A COSE_Sign1 attestation document split into its parts and decoded. NOT verified: nothing here
 * says who signed it. Pass it to {@link AttestationVerifier#verify(ParsedAttestation)} to get a
 * {@link VerifiedAttestation}.
 */
public final class ParsedAttestation {
  private final byte[] protectedHeader;
  private final byte[] payload;
  private final byte[] signature;
  private final AttestationDocument document;
  private final boolean tagged;

  ParsedAttestation(
      byte[] protectedHeader,
      byte[] payload,
      byte[] signature,
      AttestationDocument document,
      boolean tagged) {
    this.protectedHeader = protectedHeader;
    this.payload = payload;
    this.signature = signature;
    this.document = document;
    this.tagged = tagged;
  }

  /**
   * The decoded payload. Unverified: do not act on it before {@link AttestationVerifier} accepts
   * it.
   */
  public AttestationDocument unverifiedDocument() {
    return document;
  }

  /** The serialized protected header (always {@code A1 01 38 22}, i.e. {@code {1: -35}}). */
  public byte[] protectedHeader() {
    return protectedHeader.clone();
  }

  /** The payload bytes exactly as signed. */
  public byte[] payload() {
    return payload.clone();
  }

  /** The 96-byte IEEE P1363 ES384 signature. */
  public byte[] signature() {
    return signature.clone();
  }

  /** Whether the input carried the COSE_Sign1 tag 18. */
  public boolean tagged() {
    return tagged;
  }

  /**
   * The untagged COSE_Sign1 encoding, as the NSM writes it (byte-equal to the input when it was
   * untagged).
   */
  public byte[] encode() {
    return AttestationDocuments.encodeCose(protectedHeader, payload, signature);
  }

  /**
   * {@code Sig_structure = ["Signature1", protected, h'', payload]}: the bytes the signature
   * covers.
   */
  public byte[] toBeSigned() {
    return AttestationDocuments.sigStructure(protectedHeader, payload);
  }

  byte[] signatureView() {
    return signature;
  }

  AttestationDocument document() {
    return document;
  }
}
