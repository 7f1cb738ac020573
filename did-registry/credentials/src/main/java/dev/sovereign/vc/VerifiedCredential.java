package dev.sovereign.vc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.did.Did;
import dev.sovereign.did.DidUrl;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A credential whose signature, key authorization (assertionMethod at the credential's time),
 * validity window and status all held at {@code verifiedAt}. JSON members are returned as copies.
 */
public final class VerifiedCredential {
  private final String jwt;
  private final CredentialClaims claims;
  private final Did issuer;
  private final DidUrl verificationMethod;
  private final JwsAlgorithm algorithm;
  private final Instant verifiedAt;
  private final VerificationReport report;

  VerifiedCredential(
      String jwt,
      CredentialClaims claims,
      Did issuer,
      DidUrl verificationMethod,
      JwsAlgorithm algorithm,
      Instant verifiedAt,
      VerificationReport report) {
    this.jwt = jwt;
    this.claims = claims;
    this.issuer = issuer;
    this.verificationMethod = verificationMethod;
    this.algorithm = algorithm;
    this.verifiedAt = verifiedAt;
    this.report = report;
  }

  public String jwt() {
    return jwt;
  }

  public Profile profile() {
    return claims.profile();
  }

  public Did issuer() {
    return issuer;
  }

  public Optional<String> id() {
    return claims.id();
  }

  public List<String> types() {
    return List.copyOf(claims.types());
  }

  /** Whether {@code type} is among the credential's types. */
  public boolean hasType(String type) {
    return claims.types().contains(type);
  }

  /** The subject id (1.1: {@code sub}), typically the holder's DID. */
  public Optional<String> subjectId() {
    return claims.subjectId();
  }

  /** The {@code credentialSubject} (object or array), a copy. */
  public JsonNode credentialSubject() {
    return claims.credentialSubject().deepCopy();
  }

  /** A string claim of the (single) subject. */
  public Optional<String> subjectClaim(String name) {
    JsonNode n = claims.credentialSubject().get(name);
    return n != null && n.isTextual() ? Optional.of(n.textValue()) : Optional.empty();
  }

  /** The effective validity window (validFrom/nbf, validUntil/exp). */
  public Optional<Instant> validFrom() {
    return claims.notBefore();
  }

  public Optional<Instant> validUntil() {
    return claims.notAfter();
  }

  /** The credential object (VCDM 2.0 claims set, or the 1.1 {@code vc} claim), a copy. */
  public ObjectNode credential() {
    return claims.credential().deepCopy();
  }

  /** The verification method that signed, e.g. {@code did:key:z6Mk...#z6Mk...}. */
  public DidUrl verificationMethod() {
    return verificationMethod;
  }

  public JwsAlgorithm algorithm() {
    return algorithm;
  }

  public Instant verifiedAt() {
    return verifiedAt;
  }

  /** Every step with its outcome. */
  public VerificationReport report() {
    return report;
  }

  CredentialClaims claims() {
    return claims;
  }

  @Override
  public String toString() {
    return "VerifiedCredential["
        + profile()
        + ", issuer="
        + issuer
        + ", id="
        + id().orElse("-")
        + "]";
  }
}
