package dev.sovereign.vc;

import static dev.sovereign.vc.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.did.Did;
import dev.sovereign.did.KeyType;
import dev.sovereign.did.Relationship;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every signature-, key- and window-level rejection, each with its stable code. */
class CredentialRejectionTest {
  static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  final Fixture f;

  CredentialRejectionTest() throws Exception {
    f = new Fixture();
  }

  private String plainCredential(TestIssuer is) throws Exception {
    return is.issuer()
        .credential("ProducerAuthorization")
        .subject("did:example:producer")
        .validFrom(Fixture.T0.minusSeconds(60))
        .validUntil(Fixture.T0.plusSeconds(3600))
        .sign();
  }

  @Test
  void anUnsecuredTokenWithAlgNoneIsRejectedAsAlgNone() throws Exception {
    String jwt = plainCredential(f.issuer);
    String payload = jwt.split("\\.")[1];
    String header =
        B64.encodeToString(
            "{\"alg\":\"none\",\"typ\":\"vc+jwt\"}".getBytes(StandardCharsets.UTF_8));
    assertRejected(ReasonCode.ALG_NONE, () -> f.verifier().verify(header + "." + payload + "."));
    assertRejected(
        ReasonCode.ALG_NONE,
        () -> f.verifier().verify(header + "." + payload + "." + jwt.split("\\.")[2]));
  }

  @Test
  void anAlgorithmOutsideTheAllowedSetIsRejected() throws Exception {
    String jwt = plainCredential(f.issuer);
    String[] p = jwt.split("\\.");
    String header =
        B64.encodeToString(
            ("{\"alg\":\"HS256\",\"typ\":\"vc+jwt\",\"kid\":\"" + f.issuer.kid() + "\"}")
                .getBytes(StandardCharsets.UTF_8));
    assertRejected(
        ReasonCode.ALG_NOT_ALLOWED, () -> f.verifier().verify(header + "." + p[1] + "." + p[2]));
  }

  @Test
  void anAlgorithmThatDoesNotMatchTheKeyTypeIsRejectedEvenWithAValidSignatureByAnotherKey()
      throws Exception {
    // The Ed25519 issuer's kid on an ES256 token: the key type fixes EdDSA, so ES256 gets no key at
    // all.
    TestIssuer p256 = TestIssuer.didKey(KeyType.P256);
    CredentialSigner liar = LocalSigners.es256(p256.privateKey(), f.issuer.kid());
    String jwt = CredentialIssuer.of(liar).credential().subject("did:example:producer").sign();
    assertRejected(ReasonCode.ALG_KEY_MISMATCH, () -> f.verifier().verify(jwt));
  }

  @Test
  void aKidOfAnotherDidIsRejected() throws Exception {
    TestIssuer other = TestIssuer.didKey(KeyType.ED25519);
    ObjectNode c = f.issuer.issuer().credential().subject("did:example:producer").toJson();
    String jwt =
        JwtSigning.sign(c, "vc+jwt", "vc", other.signer()); // issuer = f.issuer, kid = other's key
    assertRejected(ReasonCode.KID_ISSUER_MISMATCH, () -> f.verifier().verify(jwt));
  }

  @Test
  void aMissingKidIsRejectedForVcdm2() throws Exception {
    ObjectNode c = f.issuer.issuer().credential().subject("did:example:producer").toJson();
    CredentialSigner noKid =
        new CredentialSigner() {
          public JwsAlgorithm algorithm() {
            return JwsAlgorithm.EdDSA;
          }

          public String keyId() {
            return null;
          }

          public byte[] sign(byte[] in) throws SigningException {
            return f.issuer.signer().sign(in);
          }
        };
    String jwt = JwtSigning.sign(c, "vc+jwt", "vc", noKid);
    assertRejected(ReasonCode.KID_MISSING, () -> f.verifier().verify(jwt));
  }

  @Test
  void aKeyListedOnlyUnderAuthenticationIsNotAuthorizedToIssue() throws Exception {
    Did did = Did.parse("did:test:authority-a");
    TestIssuer key = TestIssuer.didKey(KeyType.ED25519).withKid(did + "#key-1");
    f.resolver.publish(
        did,
        Fixture.T0.minus(Duration.ofDays(10)),
        VersionedDidResolver.document(did, "key-1", key, Relationship.AUTHENTICATION));
    String jwt =
        CredentialIssuer.of(key.signer())
            .credential()
            .subject("did:example:p")
            .validFrom(Fixture.T0.minusSeconds(10))
            .sign();
    assertRejected(ReasonCode.KEY_NOT_ASSERTION_METHOD, () -> f.verifier().verify(jwt));
  }

  @Test
  void
      aKeyIsJudgedInTheDocumentCurrentAtTheCredentialsTimeSoRotationNeitherBreaksOldCredentialsNorAdmitsRetiredKeys()
          throws Exception {
    Did did = Did.parse("did:test:authority-rot");
    TestIssuer k1 = TestIssuer.didKey(KeyType.ED25519).withKid(did + "#key-1");
    TestIssuer k2 = TestIssuer.didKey(KeyType.P256).withKid(did + "#key-2");
    Instant rotation = Fixture.T0.minus(Duration.ofDays(5));
    f.resolver.publish(
        did,
        Fixture.T0.minus(Duration.ofDays(30)),
        VersionedDidResolver.document(did, "key-1", k1, Relationship.ASSERTION_METHOD));
    // After rotation key-1 stays listed (for authentication) but may no longer issue.
    f.resolver.publish(
        did,
        rotation,
        VersionedDidResolver.document(
            did,
            List.of(
                new VersionedDidResolver.Entry("key-1", k1, Relationship.AUTHENTICATION),
                new VersionedDidResolver.Entry("key-2", k2, Relationship.ASSERTION_METHOD))));

    String before =
        CredentialIssuer.of(k1.signer())
            .credential()
            .subject("did:example:p")
            .validFrom(rotation.minus(Duration.ofDays(1)))
            .sign();
    String after =
        CredentialIssuer.of(k1.signer())
            .credential()
            .subject("did:example:p")
            .validFrom(rotation.plus(Duration.ofDays(1)))
            .sign();
    String byNewKey =
        CredentialIssuer.of(k2.signer())
            .credential()
            .subject("did:example:p")
            .validFrom(rotation.plus(Duration.ofDays(1)))
            .sign();

    VerifiedCredential old = f.verifier().verify(before);
    assertEquals(did + "#key-1", old.verificationMethod().toString());
    assertEquals(JwsAlgorithm.ES256, f.verifier().verify(byNewKey).algorithm());
    assertRejected(ReasonCode.KEY_NOT_ASSERTION_METHOD, () -> f.verifier().verify(after));
  }

  @Test
  void aCredentialOfADidDeactivatedSinceItsIssuanceIsRejected() throws Exception {
    Did did = Did.parse("did:test:authority-off");
    TestIssuer k = TestIssuer.didKey(KeyType.ED25519).withKid(did + "#key-1");
    f.resolver.publish(
        did,
        Fixture.T0.minus(Duration.ofDays(30)),
        VersionedDidResolver.document(did, "key-1", k, Relationship.ASSERTION_METHOD));
    String jwt =
        CredentialIssuer.of(k.signer())
            .credential()
            .subject("did:example:p")
            .validFrom(Fixture.T0.minus(Duration.ofDays(10)))
            .sign();
    assertNotNull(f.verifier().verify(jwt));
    f.resolver.deactivate(did, Fixture.T0.minus(Duration.ofDays(1)));
    assertRejected(ReasonCode.DID_RESOLUTION_FAILED, () -> f.verifier().verify(jwt));
  }

  @Test
  void aRememberedSignatureDoesNotOutliveItsIssuersDeactivationOrItsIssuersDocument()
      throws Exception {
    Did did = Did.parse("did:test:authority-cached");
    TestIssuer k = TestIssuer.didKey(KeyType.ED25519).withKid(did + "#key-1");
    f.resolver.publish(
        did,
        Fixture.T0.minus(Duration.ofDays(30)),
        VersionedDidResolver.document(did, "key-1", k, Relationship.ASSERTION_METHOD));
    String jwt =
        CredentialIssuer.of(k.signer())
            .credential()
            .subject("did:example:p")
            .validFrom(Fixture.T0.minus(Duration.ofDays(10)))
            .sign();
    CredentialVerifier cached = f.verifierBuilder().signatureCache(16).build();
    assertNotNull(cached.verify(jwt));
    assertNotNull(cached.verify(jwt), "served from the signature cache");

    f.resolver.deactivate(did, Fixture.T0.minus(Duration.ofDays(1)));
    assertRejected(ReasonCode.DID_RESOLUTION_FAILED, () -> cached.verify(jwt));

    // a verifier that can no longer resolve the issuer at all (its evidence is gone) refuses too
    Did gone = Did.parse("did:test:authority-gone");
    TestIssuer g = TestIssuer.didKey(KeyType.ED25519).withKid(gone + "#key-1");
    VersionedDidResolver own = new VersionedDidResolver(f.resolver);
    own.publish(
        gone,
        Fixture.T0.minus(Duration.ofDays(30)),
        VersionedDidResolver.document(gone, "key-1", g, Relationship.ASSERTION_METHOD));
    String jwt2 =
        CredentialIssuer.of(g.signer())
            .credential()
            .subject("did:example:p")
            .validFrom(Fixture.T0.minus(Duration.ofDays(10)))
            .sign();
    java.util.concurrent.atomic.AtomicBoolean reachable =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    dev.sovereign.did.DidResolver flaky =
        (d, o) ->
            reachable.get()
                ? own.resolve(d, o)
                : dev.sovereign.did.DidResolutionResult.error(
                    dev.sovereign.did.ResolutionError.NOT_FOUND, "no evidence");
    CredentialVerifier cached2 =
        CredentialVerifier.builder(flaky)
            .clock(f.clock)
            .statusLists(f.source())
            .signatureCache(16)
            .build();
    assertNotNull(cached2.verify(jwt2));
    reachable.set(false);
    assertRejected(ReasonCode.DID_RESOLUTION_FAILED, () -> cached2.verify(jwt2));
  }

  @Test
  void aKidCarryingVersionParametersIsRefusedBecauseTheVerifierFixesTheVersion() throws Exception {
    Did did = Did.parse("did:test:authority-q");
    TestIssuer k =
        TestIssuer.didKey(KeyType.ED25519).withKid(did + "?versionTime=2020-01-01T00:00:00Z#key-1");
    f.resolver.publish(
        did,
        Fixture.T0.minus(Duration.ofDays(30)),
        VersionedDidResolver.document(did, "key-1", k, Relationship.ASSERTION_METHOD));
    String jwt = CredentialIssuer.of(k.signer()).credential().subject("did:example:p").sign();
    assertRejected(ReasonCode.MALFORMED, () -> f.verifier().verify(jwt));
  }

  @Test
  void anIssuerThatCannotBeResolvedIsRejected() throws Exception {
    Did did = Did.parse("did:test:nobody");
    TestIssuer k = TestIssuer.didKey(KeyType.ED25519).withKid(did + "#key-1");
    f.resolver.publish(
        did,
        Fixture.T0,
        VersionedDidResolver.document(did, "key-1", k, Relationship.ASSERTION_METHOD));
    String jwt =
        CredentialIssuer.of(k.signer())
            .credential()
            .subject("did:example:p")
            .validFrom(Fixture.T0.minus(Duration.ofDays(1)))
            .sign(); // before the DID existed
    assertRejected(ReasonCode.DID_RESOLUTION_FAILED, () -> f.verifier().verify(jwt));
  }

  @Test
  void anExpiredCredentialIsRejectedOnlyOnceTheClockSkewIsExhausted() throws Exception {
    String jwt =
        f.issuer
            .issuer()
            .credential()
            .subject("did:example:p")
            .validFrom(Fixture.T0.minus(Duration.ofDays(2)))
            .validUntil(Fixture.T0.minusSeconds(30))
            .sign();
    assertNotNull(f.verifier().verify(jwt), "30 s past validUntil is inside the default 60 s skew");
    assertRejected(
        ReasonCode.EXPIRED,
        () -> f.verifierBuilder().clockSkew(Duration.ofSeconds(10)).build().verify(jwt));
    assertRejected(ReasonCode.EXPIRED, () -> f.verifier().verify(jwt, Fixture.T0.plusSeconds(31)));
  }

  @Test
  void aCredentialNotYetValidIsRejected() throws Exception {
    String jwt =
        f.issuer
            .issuer()
            .credential()
            .subject("did:example:p")
            .validFrom(Fixture.T0.plusSeconds(3600))
            .sign();
    assertRejected(ReasonCode.NOT_YET_VALID, () -> f.verifier().verify(jwt));
    assertNotNull(f.verifier().verify(jwt, Fixture.T0.plusSeconds(3600 - 59)), "inside the skew");
  }

  @Test
  void everySingleByteOfThePayloadHeaderAndSignatureTamperedIsRejected() throws Exception {
    String jwt = plainCredential(f.issuer);
    CredentialVerifier v = f.verifier();
    assertNotNull(v.verify(jwt));
    String[] parts = jwt.split("\\.");
    Map<ReasonCode, Integer> codes = new EnumMap<>(ReasonCode.class);
    for (int region = 0; region < 3; region++) {
      byte[] bytes = Base64.getUrlDecoder().decode(parts[region]);
      for (int i = 0; i < bytes.length; i++) {
        byte[] t = bytes.clone();
        t[i] ^= 0x01;
        String[] q = parts.clone();
        q[region] = B64.encodeToString(t);
        String tampered = String.join(".", q);
        CredentialRejectedException e =
            org.junit.jupiter.api.Assertions.assertThrows(
                CredentialRejectedException.class,
                () -> v.verify(tampered),
                "region " + region + " byte " + i);
        codes.merge(e.code(), 1, Integer::sum);
        if (region == 1) {
          // A payload change that still parses must fail on the signature (or on what it changed).
          org.junit.jupiter.api.Assertions.assertNotEquals(ReasonCode.ALG_NONE, e.code());
        }
        if (region == 2) {
          assertEquals(ReasonCode.SIGNATURE_INVALID, e.code(), "signature byte " + i);
        }
      }
    }
    org.junit.jupiter.api.Assertions.assertTrue(
        codes.get(ReasonCode.SIGNATURE_INVALID) > 100, codes::toString);
  }

  @Test
  void paddingOrACharacterOutsideBase64urlInThePayloadOrSignatureIsMalformed() throws Exception {
    String jwt = plainCredential(f.issuer);
    CredentialVerifier v = f.verifier();
    assertNotNull(v.verify(jwt));
    String[] parts = jwt.split("\\.");
    for (int region = 1; region < 3; region++) {
      String part = parts[region];
      String padded =
          part + "=".repeat((4 - part.length() % 4) % 4 == 0 ? 4 : (4 - part.length() % 4));
      List<String> variants = new java.util.ArrayList<>(List.of(padded));
      for (String c : List.of("+", "/", " ", "\n", "=", "\u00e9", "\u0100", "%")) {
        variants.add(part.substring(0, 8) + c + part.substring(8));
      }
      for (String variant : variants) {
        String[] q = parts.clone();
        q[region] = variant;
        String token = String.join(".", q);
        assertRejected(ReasonCode.MALFORMED, () -> v.verify(token));
      }
    }
  }

  @Test
  void aTokenMixingTheTwoProfilesIsRejected() throws Exception {
    ObjectNode c = f.issuer.issuer().credential().subject("did:example:p").toJson();
    c.putObject("vc").put("x", 1);
    String jwt = JwtSigning.sign(c, "vc+jwt", null, f.issuer.signer());
    assertRejected(ReasonCode.PROFILE_INVALID, () -> f.verifier().verify(jwt));
  }

  @Test
  void duplicateJsonMembersAreRejectedAsMalformed() throws Exception {
    String header =
        B64.encodeToString(
            ("{\"alg\":\"EdDSA\",\"typ\":\"vc+jwt\",\"kid\":\"" + f.issuer.kid() + "\"}")
                .getBytes(StandardCharsets.UTF_8));
    String payload =
        B64.encodeToString(
            ("{\"@context\":[\""
                    + CredentialClaims.V2_CONTEXT
                    + "\"],\"type\":[\"VerifiableCredential\"],"
                    + "\"issuer\":\""
                    + f.issuer.did()
                    + "\",\"issuer\":\"did:example:evil\",\"credentialSubject\":{}}")
                .getBytes(StandardCharsets.UTF_8));
    byte[] sig =
        f.issuer.signer().sign((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
    assertRejected(
        ReasonCode.MALFORMED,
        () -> f.verifier().verify(header + "." + payload + "." + B64.encodeToString(sig)));
  }
}
