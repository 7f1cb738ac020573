package dev.sovereign.vc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.KeyType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class IssueAndVerifyTest {
  static final DidResolver RESOLVER = DidResolvers.builder().withDidKey().build();
  static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

  @ParameterizedTest
  @EnumSource(
      value = KeyType.class,
      names = {"ED25519", "P256", "SECP256K1"})
  void aVcdm2CredentialIssuedForADidKeyVerifiesWithTheAlgorithmItsKeyTypeFixes(KeyType type)
      throws Exception {
    TestIssuer is = TestIssuer.didKey(type);
    String jwt =
        is.issuer()
            .credential("ProducerAuthorization")
            .id("urn:uuid:1234")
            .subject("did:example:producer")
            .claim("region", "EU")
            .claim("datasets", List.of("loyalty-points"))
            .validFrom(NOW.minusSeconds(3600))
            .validUntil(NOW.plusSeconds(3600))
            .sign();

    String[] parts = jwt.split("\\.");
    ObjectNode header = (ObjectNode) Json.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[0]));
    assertEquals("vc+jwt", header.get("typ").asText());
    assertEquals(is.kid(), header.get("kid").asText());
    ObjectNode payload =
        (ObjectNode)
            Json.MAPPER.readTree(
                new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    assertTrue(!payload.has("vc"), "VCDM 2.0 has no vc claim");
    assertEquals(is.did().toString(), payload.get("issuer").asText());

    VerifiedCredential v = CredentialVerifier.builder(RESOLVER).build().verify(jwt, NOW);
    assertEquals(Profile.VCDM_2_0, v.profile());
    assertEquals(is.did(), v.issuer());
    assertEquals(ExpectedAlgorithms.forKeyType(type).orElseThrow(), v.algorithm());
    assertEquals("EU", v.subjectClaim("region").orElseThrow());
    assertEquals(VerificationReport.Verdict.VALID, v.report().verdict());
  }
}
