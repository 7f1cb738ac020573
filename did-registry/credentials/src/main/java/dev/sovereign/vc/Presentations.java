package dev.sovereign.vc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.did.Did;
import dev.sovereign.did.DidUrl;
import dev.sovereign.did.InvalidDidException;
import dev.sovereign.did.Relationship;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Verifiable presentations bound to one use: the holder signs its credentials together with the
 * relying party's {@code nonce} (e.g. the payload's {@code jti} or hash) and {@code aud} (the
 * verifier's DID), so a presentation lifted from one payload is rejected on another. Issues VCDM
 * 2.0 ({@code typ vp+jwt}, credentials as {@code EnvelopedVerifiableCredential} data URLs);
 * verifies that and the VC-JWT 1.1 {@code vp} claim (did-jwt-vc). The holder's key must be in
 * {@code authentication} and the holder must be the subject of every credential presented.
 */
public final class Presentations {
  private static final String ENVELOPE_PREFIX = "data:application/vc+jwt,";

  private final CredentialVerifier verifier;

  private Presentations(CredentialVerifier verifier) {
    this.verifier = Objects.requireNonNull(verifier);
  }

  public static Presentations of(CredentialVerifier verifier) {
    return new Presentations(verifier);
  }

  /**
   * Signs a VCDM 2.0 presentation of {@code credentials} for one {@code nonce} and {@code
   * audience}.
   */
  public static String present(
      CredentialSigner holder,
      List<String> credentials,
      String nonce,
      String audience,
      Instant now,
      Duration validity)
      throws CredentialSigner.SigningException {
    ObjectNode vp = Json.MAPPER.createObjectNode();
    vp.putArray("@context").add(CredentialClaims.V2_CONTEXT);
    vp.putArray("type").add("VerifiablePresentation");
    vp.put("holder", DidUrl.parse(holder.keyId()).did().toString());
    ArrayNode vcs = vp.putArray("verifiableCredential");
    for (String c : credentials) {
      ObjectNode env = vcs.addObject();
      env.put("@context", CredentialClaims.V2_CONTEXT);
      env.put("id", ENVELOPE_PREFIX + c);
      env.put("type", "EnvelopedVerifiableCredential");
    }
    vp.put("nonce", Objects.requireNonNull(nonce));
    vp.put("aud", Objects.requireNonNull(audience));
    vp.put("iat", now.getEpochSecond());
    vp.put("exp", now.plus(validity).getEpochSecond());
    return JwtSigning.sign(vp, "vp+jwt", "vp", holder);
  }

  /** A presentation whose signature, holder key, binding and every credential verified. */
  public record VerifiedPresentation(
      Did holder,
      Profile profile,
      String nonce,
      List<String> audience,
      List<VerifiedCredential> credentials,
      VerificationReport report) {
    public VerifiedPresentation {
      audience = List.copyOf(audience);
      credentials = List.copyOf(credentials);
    }
  }

  /**
   * Verifies a presentation for exactly this {@code nonce} and {@code audience} as of {@code at}.
   */
  public VerifiedPresentation verify(
      String jwt, String expectedNonce, String expectedAudience, Instant at)
      throws CredentialRejectedException {
    VerificationReport.Builder report = new VerificationReport.Builder();
    String subject = "presentation";
    CompactJws jws = CompactJws.parse(jwt, report, subject);
    ObjectNode p = jws.payload();
    String typ = jws.header().getType() == null ? null : jws.header().getType().getType();
    Profile profile;
    ObjectNode vp;
    String holder;
    List<String> credentialJwts = new ArrayList<>();
    try {
      if (p.has("vp")) {
        if ("vp+jwt".equals(typ)) {
          throw report.fail(
              subject, "profile", ReasonCode.PROFILE_INVALID, "typ vp+jwt with a vp claim");
        }
        profile = Profile.VC_JWT_1_1;
        if (!(p.get("vp") instanceof ObjectNode o)) {
          throw report.fail(subject, "profile", ReasonCode.MALFORMED, "vp is not an object");
        }
        vp = o;
        holder =
            Json.text(p, "iss")
                .orElseThrow(
                    () ->
                        report.fail(
                            "presentation", "profile", ReasonCode.PROFILE_INVALID, "iss missing"));
        for (JsonNode c : vp.path("verifiableCredential")) {
          if (!c.isTextual()) {
            throw report.fail(
                subject,
                "profile",
                ReasonCode.VP_INVALID,
                "only JWT credentials are accepted in a 1.1 vp");
          }
          credentialJwts.add(c.textValue());
        }
      } else {
        profile = Profile.VCDM_2_0;
        vp = p;
        if (!Json.strings(p, "@context").stream()
            .findFirst()
            .filter(CredentialClaims.V2_CONTEXT::equals)
            .isPresent()) {
          throw report.fail(
              subject,
              "profile",
              ReasonCode.PROFILE_INVALID,
              "@context must start with " + CredentialClaims.V2_CONTEXT);
        }
        holder =
            Json.idOf(p, "holder")
                .orElseThrow(
                    () ->
                        report.fail(
                            "presentation",
                            "profile",
                            ReasonCode.PROFILE_INVALID,
                            "holder missing"));
        Optional<String> iss = Json.text(p, "iss");
        if (iss.isPresent() && !iss.get().equals(holder)) {
          throw report.fail(
              subject, "profile", ReasonCode.PROFILE_INVALID, "iss differs from holder");
        }
        for (JsonNode c : Json.objects(p, "verifiableCredential")) {
          String id = c.path("id").asText("");
          if (!"EnvelopedVerifiableCredential".equals(c.path("type").asText())
              || !id.startsWith(ENVELOPE_PREFIX)) {
            throw report.fail(
                subject,
                "profile",
                ReasonCode.VP_INVALID,
                "credentials must be enveloped vc+jwt data URLs");
          }
          credentialJwts.add(id.substring(ENVELOPE_PREFIX.length()));
        }
      }
      if (!Json.strings(vp, "type").contains("VerifiablePresentation")) {
        throw report.fail(
            subject, "profile", ReasonCode.PROFILE_INVALID, "type lacks VerifiablePresentation");
      }
    } catch (Json.Malformed e) {
      throw report.fail(subject, "profile", ReasonCode.MALFORMED, e.getMessage());
    }
    report.pass(
        subject,
        "profile",
        profile == Profile.VCDM_2_0 ? "VCDM 2.0 vp+jwt" : "VC-JWT 1.1 vp claim");
    Did holderDid;
    try {
      holderDid = Did.parse(holder);
    } catch (InvalidDidException e) {
      throw report.fail(subject, "holder", ReasonCode.MALFORMED, "holder is not a DID");
    }
    subject = "presentation by " + holderDid;

    List<IssuerKeys.Candidate> candidates =
        verifier
            .keys()
            .candidates(
                holderDid,
                jws.header().getKeyID(),
                profile,
                jws.algorithm(),
                Optional.empty(),
                Relationship.AUTHENTICATION,
                report,
                subject);
    DidUrl signedBy = CredentialVerifier.signer(candidates, jws);
    if (signedBy == null) {
      throw report.fail(
          subject,
          "signature",
          ReasonCode.SIGNATURE_INVALID,
          jws.algorithm().joseName()
              + " signature does not verify under "
              + CredentialVerifier.describe(candidates));
    }
    report.pass(subject, "signature", jws.algorithm().joseName() + " by " + signedBy);

    String nonce;
    List<String> aud;
    try {
      nonce = Json.text(p, "nonce").orElse(null);
      aud = Json.strings(p, "aud");
      Optional<Instant> nbf = Json.numericDate(p, "nbf");
      Optional<Instant> exp = Json.numericDate(p, "exp");
      Duration skew = verifier.clockSkew();
      if (nbf.isPresent() && nbf.get().isAfter(at.plus(skew))) {
        throw report.fail(subject, "validity window", ReasonCode.NOT_YET_VALID, "nbf " + nbf.get());
      }
      if (exp.isPresent() && exp.get().isBefore(at.minus(skew))) {
        throw report.fail(subject, "validity window", ReasonCode.EXPIRED, "exp " + exp.get());
      }
    } catch (Json.Malformed e) {
      throw report.fail(subject, "binding", ReasonCode.MALFORMED, e.getMessage());
    }
    if (nonce == null || !constantTimeEquals(nonce, expectedNonce)) {
      throw report.fail(
          subject,
          "binding",
          ReasonCode.VP_NONCE_MISMATCH,
          nonce == null ? "no nonce" : "nonce is not the one this verifier issued for the payload");
    }
    if (!aud.contains(expectedAudience)) {
      throw report.fail(
          subject,
          "binding",
          ReasonCode.VP_AUDIENCE_MISMATCH,
          "aud " + aud + " lacks " + expectedAudience);
    }
    report.pass(subject, "binding", "nonce and audience " + expectedAudience + " match");

    List<VerifiedCredential> verified = new ArrayList<>();
    if (credentialJwts.isEmpty()) {
      throw report.fail(subject, "credentials", ReasonCode.VP_INVALID, "no credentials presented");
    }
    for (String c : credentialJwts) {
      VerificationReport.Builder cr = new VerificationReport.Builder();
      VerifiedCredential v;
      try {
        v = verifier.verify(c, at, cr, true);
      } catch (CredentialRejectedException e) {
        report.addAll(e.report() == null ? List.of() : e.report().steps());
        throw report.fail(
            subject, "credentials", e.code(), "presented credential rejected: " + e.getMessage());
      }
      report.addAll(v.report().steps());
      if (!v.subjectId().map(holder::equals).orElse(false)) {
        throw report.fail(
            subject,
            "holder binding",
            ReasonCode.VP_HOLDER_MISMATCH,
            "credential subject "
                + v.subjectId().orElse("(none)")
                + " is not the holder "
                + holder);
      }
      verified.add(v);
    }
    report.pass(
        subject,
        "holder binding",
        "holder is the subject of all " + verified.size() + " credential(s)");
    return new VerifiedPresentation(holderDid, profile, nonce, aud, verified, report.valid());
  }

  private static boolean constantTimeEquals(String a, String b) {
    return java.security.MessageDigest.isEqual(
        a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
