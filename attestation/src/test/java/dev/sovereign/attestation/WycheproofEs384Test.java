package dev.sovereign.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.attestation.internal.Es384;
import dev.sovereign.testing.Fixtures;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Project Wycheproof {@code ecdsa_secp384r1_sha384_p1363_test.json} (C2SP/wycheproof,
 * testvectors_v1, Apache-2.0; copy in {@code fixtures/wycheproof/}) through {@link
 * Es384#verifyP1363}, the function the verifier calls for the COSE_Sign1 signature. "valid" must
 * verify, "invalid" must not. "acceptable" vectors (legacy or edge encodings) would be rejected,
 * which is the strict choice; this file has none, and the test asserts that.
 */
class WycheproofEs384Test {
  @Test
  @DisplayName(
      "every valid Wycheproof ES384 P1363 vector is accepted and every invalid one rejected")
  void every_valid_vector_is_accepted_and_every_invalid_one_rejected() throws Exception {
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
      ECPublicKeyParameters key =
          new ECPublicKeyParameters(
              Es384.P384
                  .getCurve()
                  .decodePoint(hex.parseHex(group.get("publicKey").get("uncompressed").asText())),
              Es384.P384);
      for (JsonNode t : group.get("tests")) {
        byte[] msg = hex.parseHex(t.get("msg").asText());
        byte[] sig = hex.parseHex(t.get("sig").asText());
        String result = t.get("result").asText();
        boolean accepted = Es384.verifyP1363(key, msg, sig);
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
