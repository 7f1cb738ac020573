package dev.sovereign.vc;

import static dev.sovereign.vc.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.DidUrl;
import dev.sovereign.did.KeyType;
import dev.sovereign.testing.NodeTools;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Interop both ways with JavaScript stacks nobody here wrote ({@code tools/js/vc-interop.mjs}):
 * did-jwt-vc 4.0.16 issues VC-JWT 1.1 credentials and presentations that Sovereign verifies, and
 * jose 6 verifies Sovereign's VC-JOSE-COSE credentials given the key Sovereign's resolver yields.
 */
class JavaScriptInteropTest {
  static final DidResolver RESOLVER = DidResolvers.builder().withDidKey().build();
  static final Instant NOW = Instant.now();
  static JsonNode fromDidJwtVc;

  @BeforeAll
  static void issueWithDidJwtVc() throws Exception {
    var r =
        NodeTools.node(
                "vc-interop.mjs",
                List.of("issue", Long.toString(NOW.getEpochSecond())),
                null,
                Duration.ofMinutes(2))
            .requireSuccess();
    fromDidJwtVc = Json.MAPPER.readTree(r.stdout());
    assertEquals(3, fromDidJwtVc.size());
  }

  @Test
  void credentialsIssuedByDidJwtVcForDidKeyVerifyInSovereignWithAndWithoutKid() throws Exception {
    CredentialVerifier v = CredentialVerifier.builder(RESOLVER).build();
    for (JsonNode e : fromDidJwtVc) {
      for (String variant : List.of("noKid", "withKid")) {
        VerifiedCredential c = v.verify(e.get(variant).asText(), NOW);
        String what = e.get("alg").asText() + " " + variant;
        assertEquals(Profile.VC_JWT_1_1, c.profile(), what);
        assertEquals(e.get("did").asText(), c.issuer().toString(), what);
        assertEquals(e.get("holder").asText(), c.subjectId().orElseThrow(), what);
        assertEquals(e.get("alg").asText(), c.algorithm().joseName(), what);
        assertEquals("urn:uuid:interop-" + e.get("alg").asText(), c.id().orElseThrow(), what);
        assertEquals("EU", c.subjectClaim("region").orElseThrow(), what);
      }
    }
  }

  @Test
  void aDidJwtVcCredentialIsStillRejectedOnceExpiredAndWhenTampered() throws Exception {
    CredentialVerifier v = CredentialVerifier.builder(RESOLVER).build();
    String jwt = fromDidJwtVc.get(0).get("withKid").asText();
    assertRejected(ReasonCode.EXPIRED, () -> v.verify(jwt, NOW.plus(Duration.ofHours(2))));
    String[] p = jwt.split("\\.");
    String tampered =
        p[0]
            + "."
            + p[1].substring(0, 10)
            + (p[1].charAt(10) == 'A' ? 'B' : 'A')
            + p[1].substring(11)
            + "."
            + p[2];
    CredentialRejectedException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            CredentialRejectedException.class, () -> v.verify(tampered, NOW));
    assertTrue(
        e.code() == ReasonCode.SIGNATURE_INVALID || e.code() == ReasonCode.MALFORMED,
        e::getMessage);
  }

  @Test
  void aDidJwtVcPresentationVerifiesForItsChallengeAndDomainAndIsRejectedForAnotherNonce()
      throws Exception {
    Presentations p = Presentations.of(CredentialVerifier.builder(RESOLVER).build());
    for (JsonNode e : fromDidJwtVc) {
      String vp = e.get("vp").asText();
      var verified = p.verify(vp, "nonce-from-enclave", "did:example:enclave", NOW);
      assertEquals(Profile.VC_JWT_1_1, verified.profile());
      assertEquals(e.get("holder").asText(), verified.holder().toString());
      assertRejected(
          ReasonCode.VP_NONCE_MISMATCH,
          () -> p.verify(vp, "another-nonce", "did:example:enclave", NOW));
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = KeyType.class,
      names = {"ED25519", "P256", "SECP256K1"})
  void sovereignCredentialsVerifyWithJoseGivenTheKeyTheResolverYields(KeyType type)
      throws Exception {
    TestIssuer is = TestIssuer.didKey(type);
    String jwt =
        is.issuer()
            .credential("ProducerAuthorization")
            .id("urn:uuid:sov-" + type)
            .subject("did:example:producer")
            .claim("region", "EU")
            .validFrom(NOW.minusSeconds(5))
            .sign();
    var doc = RESOLVER.resolve(is.did().toString()).didDocument().orElseThrow();
    Map<String, Object> jwk =
        doc.dereference(DidUrl.parse(is.kid()))
            .orElseThrow()
            .publicKeyMaterial()
            .orElseThrow()
            .toJwk();
    ObjectNode in = Json.MAPPER.createObjectNode();
    in.put("jwt", jwt);
    in.set("jwk", Json.MAPPER.valueToTree(jwk));
    in.put("alg", ExpectedAlgorithms.forKeyType(type).orElseThrow().joseName());
    var r =
        NodeTools.node(
            "vc-interop.mjs",
            List.of("verify-jose"),
            Json.MAPPER.writeValueAsString(in),
            Duration.ofMinutes(1));
    assertEquals(0, r.exitCode(), r.stderr());
    JsonNode out = Json.MAPPER.readTree(r.stdout());
    assertEquals(is.kid(), out.get("protectedHeader").get("kid").asText());
    assertEquals("urn:uuid:sov-" + type, out.get("payload").get("id").asText());
    assertTrue(!out.get("payload").has("vc"));

    // and jose rejects the same token with one payload byte changed
    String[] p = jwt.split("\\.");
    in.put(
        "jwt",
        p[0]
            + "."
            + p[1].substring(0, 20)
            + (p[1].charAt(20) == 'A' ? 'B' : 'A')
            + p[1].substring(21)
            + "."
            + p[2]);
    var bad =
        NodeTools.node(
            "vc-interop.mjs",
            List.of("verify-jose"),
            Json.MAPPER.writeValueAsString(in),
            Duration.ofMinutes(1));
    assertEquals(1, bad.exitCode(), bad.stdout());
  }
}
