package dev.sovereign.did;

import java.security.PublicKey;
import java.util.Objects;

/**
 * A key that {@link KeyAuthorizer} found in the DID document, listed under {@code relationship}, in
 * the document version that applied at the time asked about. Only {@link KeyAuthorizer} creates
 * these.
 */
public final class AuthorizedKey {
  private final DidUrl keyId;
  private final VerificationMethod method;
  private final PublicKeyMaterial key;
  private final Relationship relationship;
  private final DidResolutionResult resolution;

  AuthorizedKey(
      DidUrl keyId,
      VerificationMethod method,
      PublicKeyMaterial key,
      Relationship relationship,
      DidResolutionResult resolution) {
    this.keyId = Objects.requireNonNull(keyId);
    this.method = Objects.requireNonNull(method);
    this.key = Objects.requireNonNull(key);
    this.relationship = Objects.requireNonNull(relationship);
    this.resolution = Objects.requireNonNull(resolution);
  }

  /** The absolute key id (DID URL with fragment). */
  public DidUrl keyId() {
    return keyId;
  }

  /** The DID the key belongs to. */
  public Did did() {
    return keyId.did();
  }

  /** The verification method as the document states it. */
  public VerificationMethod method() {
    return method;
  }

  /** The validated key. */
  public PublicKeyMaterial key() {
    return key;
  }

  /** The key as a {@link PublicKey} (Bouncy Castle provider). */
  public PublicKey publicKey() {
    return key.toPublicKey();
  }

  /** The relationship it was authorized for. */
  public Relationship relationship() {
    return relationship;
  }

  /** The resolution the decision was based on (document and metadata, e.g. versionId). */
  public DidResolutionResult resolution() {
    return resolution;
  }
}
