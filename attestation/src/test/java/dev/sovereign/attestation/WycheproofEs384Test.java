package dev.sovereign.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.attestation.internal.Es384;
import dev.sovereign.crypto.Crypto;
import dev.sovereign.testing.Fixtures;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Project Wycheproof {@code ecdsa_secp384r1_sha384_p1363_test.json} (C2SP/wycheproof,
 * testvectors_v1, Apache-2.0; copy in {@code fixtures/wycheproof/}) through {@link
 * Es384#verifyP1363}, the function the verifier calls for the COSE_Sign1 signature. "valid" must
 * verify, "invalid" must not. "acceptable" vectors (legacy or edge encodings) would be rejected,
 * which is the strict choice; this file has none, and the test asserts that.
 */
class WycheproofEs384Test {
  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sovereign.crypto.Crypto#backends")
  @DisplayName(
      "every valid Wycheproof ES384 P1363 vector is accepted and every invalid one rejected, on"
          + " every crypto backend")
  void every_valid_vector_is_accepted_and_every_invalid_one_rejected(Crypto crypto)
      throws Exception {
    JsonNode root =
        new ObjectMapper()
            .readTree(
                Fixtures.vector("wycheproof/ecdsa_secp384r1_sha384_p1363_test.json").toFile());
    assertEquals("ECDSA", root.get("algorithm").asText());
    HexFormat hex = HexFormat.of();
    int valid = 0;
    int invalid = 0;
    int acceptable = 0;
    List<String> wrong = new ArrayList<>();
    for (JsonNode group : root.get("testGroups")) {
      assertEquals("secp384r1", group.get("publicKey").get("curve").asText());
      assertEquals("SHA-384", group.get("sha").asText());
      PublicKey key = Es384.jcaPublicKey(crypto, hex.parseHex(group.get("publicKeyDer").asText()));
      for (JsonNode t : group.get("tests")) {
        byte[] msg = hex.parseHex(t.get("msg").asText());
        byte[] sig = hex.parseHex(t.get("sig").asText());
        String result = t.get("result").asText();
        boolean accepted = Es384.verifyP1363(crypto, key, msg, sig);
        switch (result) {
          case "valid":
            valid++;
            if (!accepted) {
              wrong.add(
                  "tcId " + t.get("tcId") + " valid but rejected: " + t.get("comment").asText());
            }
            break;
          case "invalid":
            invalid++;
            if (accepted) {
              wrong.add(
                  "tcId " + t.get("tcId") + " invalid but accepted: " + t.get("comment").asText());
            }
            break;
          default:
            acceptable++;
        }
      }
    }
    assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    assertEquals(193, valid);
    assertEquals(87, invalid);
    assertEquals(0, acceptable);
  }
}
