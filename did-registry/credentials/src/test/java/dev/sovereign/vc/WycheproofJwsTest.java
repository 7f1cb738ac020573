package dev.sovereign.vc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import dev.sovereign.did.KeyType;
import dev.sovereign.testing.Fixtures;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Project Wycheproof vectors (C2SP/wycheproof testvectors_v1, Apache-2.0; fixtures/wycheproof)
 * through the JWS verifier every credential goes through ({@link NimbusAdapters#verifier} over
 * {@link JwsSignatures}): valid vectors accepted, invalid rejected. P1363 form is exactly JWS
 * ES256.
 */
class WycheproofJwsTest {
  static final HexFormat HEX = HexFormat.of();

  record Outcome(int total, List<String> wrong) {}

  static Outcome run(
      String file, JWSAlgorithm alg, java.util.function.Function<JsonNode, VerificationKey> key)
      throws Exception {
    JsonNode root = Json.MAPPER.readTree(Files.readAllBytes(Fixtures.vector("wycheproof/" + file)));
    List<String> wrong = new ArrayList<>();
    int total = 0;
    for (JsonNode group : root.get("testGroups")) {
      var verifier = NimbusAdapters.verifier(key.apply(group.get("publicKey")));
      for (JsonNode t : group.get("tests")) {
        total++;
        byte[] msg = HEX.parseHex(t.get("msg").asText());
        byte[] sig = HEX.parseHex(t.get("sig").asText());
        boolean accepted = verifier.verify(new JWSHeader(alg), msg, Base64URL.encode(sig));
        String expected = t.get("result").asText();
        boolean ok =
            expected.equals("valid") ? accepted : expected.equals("invalid") ? !accepted : true;
        if (!ok) {
          wrong.add(
              "tcId "
                  + t.get("tcId").asInt()
                  + " ("
                  + t.get("comment").asText()
                  + ") expected "
                  + expected);
        }
      }
    }
    return new Outcome(total, wrong);
  }

  @Test
  void everyEs256P1363VectorIsAcceptedOrRejectedAsWycheproofSays() throws Exception {
    Outcome o =
        run(
            "ecdsa_secp256r1_sha256_p1363_test.json",
            JWSAlgorithm.ES256,
            pk -> VerificationKey.ec(KeyType.P256, HEX.parseHex(pk.get("uncompressed").asText())));
    assertEquals(262, o.total());
    assertTrue(o.wrong().isEmpty(), () -> String.join("\n", o.wrong()));
  }

  @Test
  void everyEd25519VectorIsAcceptedOrRejectedAsWycheproofSays() throws Exception {
    Outcome o =
        run(
            "ed25519_test.json",
            JWSAlgorithm.EdDSA,
            pk -> VerificationKey.ed25519(HEX.parseHex(pk.get("pk").asText())));
    assertEquals(151, o.total());
    assertTrue(o.wrong().isEmpty(), () -> String.join("\n", o.wrong()));
  }

  @Test
  void theVerifierRefusesAHeaderNamingAnotherAlgorithmThanTheKeyTypeFixes() throws Exception {
    JsonNode root =
        Json.MAPPER.readTree(Files.readAllBytes(Fixtures.vector("wycheproof/ed25519_test.json")));
    JsonNode g = root.get("testGroups").get(0);
    JsonNode t = g.get("tests").get(0);
    var v =
        NimbusAdapters.verifier(
            VerificationKey.ed25519(HEX.parseHex(g.get("publicKey").get("pk").asText())));
    byte[] msg = HEX.parseHex(t.get("msg").asText());
    Base64URL sig = Base64URL.encode(HEX.parseHex(t.get("sig").asText()));
    assertTrue(v.verify(new JWSHeader(JWSAlgorithm.EdDSA), msg, sig));
    assertTrue(!v.verify(new JWSHeader(JWSAlgorithm.ES256), msg, sig));
  }
}
