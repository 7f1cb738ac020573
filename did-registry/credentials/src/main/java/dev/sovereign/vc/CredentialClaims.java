package dev.sovereign.vc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A credential's claims after the profile's own rules were applied, in one shape for both profiles.
 * Not verified: this is what the signature covers, read before the signature is checked.
 *
 * @param credential the credential object (VCDM 2.0: the claims set; 1.1: the {@code vc} claim)
 * @param notBefore the earliest of the effective lower bounds (validFrom / nbf)
 * @param notAfter the effective upper bound (validUntil / exp)
 * @param issuedAt the credential's time, used to resolve the issuer's key (validFrom, nbf or iat)
 */
record CredentialClaims(
    Profile profile,
    String issuer,
    Optional<String> id,
    List<String> types,
    Optional<String> subjectId,
    JsonNode credentialSubject,
    Optional<Instant> notBefore,
    Optional<Instant> notAfter,
    Optional<Instant> issuedAt,
    List<JsonNode> credentialStatus,
    ObjectNode credential,
    ObjectNode claimsSet) {

  static final String V2_CONTEXT = "https://www.w3.org/ns/credentials/v2";
  static final String V1_CONTEXT = "https://www.w3.org/2018/credentials/v1";

  /**
   * Reads the claims under the rules of the profile the token uses; mixing profiles is rejected.
   */
  static CredentialClaims read(String typ, ObjectNode claims)
      throws Json.Malformed, ProfileViolation {
    boolean hasVc = claims.has("vc");
    boolean typVc = typ != null && (typ.equals("vc+jwt") || typ.equals("application/vc+jwt"));
    if (hasVc && typVc) {
      throw new ProfileViolation("typ vc+jwt (VCDM 2.0) with a vc claim (VC-JWT 1.1)");
    }
    if (hasVc) {
      return readV11(claims);
    }
    if (typVc
        || Json.strings(claims, "@context").stream()
            .findFirst()
            .filter(V2_CONTEXT::equals)
            .isPresent()) {
      return readV20(claims);
    }
    throw new ProfileViolation("neither typ vc+jwt with a VCDM 2.0 credential nor a vc claim");
  }

  private static CredentialClaims readV20(ObjectNode c) throws Json.Malformed, ProfileViolation {
    List<String> ctx = Json.strings(c, "@context");
    if (ctx.isEmpty() || !V2_CONTEXT.equals(ctx.get(0))) {
      throw new ProfileViolation("@context must start with " + V2_CONTEXT);
    }
    List<String> types = Json.strings(c, "type");
    if (!types.contains("VerifiableCredential")) {
      throw new ProfileViolation("type lacks VerifiableCredential");
    }
    String issuer =
        Json.idOf(c, "issuer").orElseThrow(() -> new ProfileViolation("issuer missing"));
    Optional<String> iss = Json.text(c, "iss");
    if (iss.isPresent() && !iss.get().equals(issuer)) {
      throw new ProfileViolation("iss differs from issuer");
    }
    JsonNode subject = c.get("credentialSubject");
    if (subject == null || !(subject.isObject() || (subject.isArray() && !subject.isEmpty()))) {
      throw new ProfileViolation("credentialSubject missing");
    }
    Optional<String> subjectId = subject.isObject() ? Json.text(subject, "id") : Optional.empty();
    Optional<Instant> validFrom = Json.dateTime(c, "validFrom");
    Optional<Instant> validUntil = Json.dateTime(c, "validUntil");
    // JWT registered claims, when present, constrain too (VC-JOSE-COSE: they must not contradict).
    Optional<Instant> nbf = Json.numericDate(c, "nbf");
    Optional<Instant> exp = Json.numericDate(c, "exp");
    Optional<Instant> iat = Json.numericDate(c, "iat");
    return new CredentialClaims(
        Profile.VCDM_2_0,
        issuer,
        Json.text(c, "id"),
        types,
        subjectId,
        subject,
        later(validFrom, nbf),
        earlier(validUntil, exp),
        validFrom.or(() -> nbf).or(() -> iat),
        Json.objects(c, "credentialStatus"),
        c,
        c);
  }

  private static CredentialClaims readV11(ObjectNode claims)
      throws Json.Malformed, ProfileViolation {
    JsonNode vcNode = claims.get("vc");
    if (!(vcNode instanceof ObjectNode vc)) {
      throw new ProfileViolation("vc claim is not an object");
    }
    List<String> ctx = Json.strings(vc, "@context");
    if (ctx.isEmpty() || !V1_CONTEXT.equals(ctx.get(0))) {
      throw new ProfileViolation("vc.@context must start with " + V1_CONTEXT);
    }
    List<String> types = Json.strings(vc, "type");
    if (!types.contains("VerifiableCredential")) {
      throw new ProfileViolation("vc.type lacks VerifiableCredential");
    }
    String iss = Json.text(claims, "iss").orElseThrow(() -> new ProfileViolation("iss missing"));
    Optional<String> vcIssuer = Json.idOf(vc, "issuer");
    if (vcIssuer.isPresent() && !vcIssuer.get().equals(iss)) {
      throw new ProfileViolation("vc.issuer differs from iss");
    }
    JsonNode subject = vc.get("credentialSubject");
    if (subject == null || !subject.isObject()) {
      throw new ProfileViolation("vc.credentialSubject missing");
    }
    Optional<String> sub = Json.text(claims, "sub");
    Optional<String> innerSub = Json.text(subject, "id");
    if (sub.isPresent() && innerSub.isPresent() && !sub.get().equals(innerSub.get())) {
      throw new ProfileViolation("sub differs from vc.credentialSubject.id");
    }
    Optional<String> jti = Json.text(claims, "jti");
    Optional<String> vcId = Json.text(vc, "id");
    if (jti.isPresent() && vcId.isPresent() && !jti.get().equals(vcId.get())) {
      throw new ProfileViolation("jti differs from vc.id");
    }
    Optional<Instant> nbf = Json.numericDate(claims, "nbf");
    Optional<Instant> iat = Json.numericDate(claims, "iat");
    Optional<Instant> exp = Json.numericDate(claims, "exp");
    Optional<Instant> issuanceDate = Json.dateTime(vc, "issuanceDate");
    Optional<Instant> expirationDate = Json.dateTime(vc, "expirationDate");
    Optional<Instant> from = nbf.or(() -> issuanceDate);
    if (from.isEmpty() && iat.isEmpty()) {
      throw new ProfileViolation("neither nbf nor iat nor vc.issuanceDate");
    }
    return new CredentialClaims(
        Profile.VC_JWT_1_1,
        iss,
        jti.or(() -> vcId),
        types,
        sub.or(() -> innerSub),
        subject,
        from,
        exp.or(() -> expirationDate),
        from.or(() -> iat),
        Json.objects(vc, "credentialStatus"),
        vc,
        claims);
  }

  private static Optional<Instant> later(Optional<Instant> a, Optional<Instant> b) {
    if (a.isEmpty()) {
      return b;
    }
    if (b.isEmpty()) {
      return a;
    }
    return Optional.of(a.get().isAfter(b.get()) ? a.get() : b.get());
  }

  private static Optional<Instant> earlier(Optional<Instant> a, Optional<Instant> b) {
    if (a.isEmpty()) {
      return b;
    }
    if (b.isEmpty()) {
      return a;
    }
    return Optional.of(a.get().isBefore(b.get()) ? a.get() : b.get());
  }

  /** The token breaks its profile's rules. */
  static final class ProfileViolation extends Exception {
    ProfileViolation(String message) {
      super(message, null, false, false);
    }
  }
}
