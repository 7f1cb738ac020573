package dev.sovereign.enclave.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.testing.Fixtures;
import java.math.BigInteger;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Point validation against Wycheproof {@code ecdh_secp256r1_test.json} (uncompressed named-curve
 * keys).
 */
class P256Test {
  private static final String SPKI_PREFIX =
      "3059301306072a8648ce3d020106082a8648ce3d030107034200" + "04";

  @Test
  void wycheproofPublicPointsAreOnTheCurveExactlyWhenTheVectorSaysSo() throws Exception {
    JsonNode root =
        new ObjectMapper()
            .readTree(Fixtures.vector("wycheproof/ecdh_secp256r1_test.json").toFile());
    int offCurve = 0;
    int onCurve = 0;
    for (JsonNode g : root.get("testGroups")) {
      for (JsonNode t : g.get("tests")) {
        String pub = t.get("public").asText();
        if (!pub.startsWith(SPKI_PREFIX) || pub.length() != SPKI_PREFIX.length() + 128) {
          continue; // other encodings (compressed, explicit parameters, bad ASN.1) never reach a
          // JWK
        }
        byte[] xy = HexFormat.of().parseHex(pub.substring(SPKI_PREFIX.length()));
        boolean on =
            P256.onCurve(
                new BigInteger(1, java.util.Arrays.copyOfRange(xy, 0, 32)),
                new BigInteger(1, java.util.Arrays.copyOfRange(xy, 32, 64)));
        String flags = t.get("flags").toString();
        if (flags.contains("InvalidCurveAttack")
            || t.get("comment").asText().contains("not on curve")) {
          assertEquals(false, on, "tcId " + t.get("tcId"));
          offCurve++;
        } else if ("valid".equals(t.get("result").asText())) {
          assertEquals(true, on, "tcId " + t.get("tcId"));
          onCurve++;
        }
      }
    }
    assertTrue(offCurve >= 10 && onCurve >= 100, offCurve + " off, " + onCurve + " on");
  }

  @Test
  void coordinatesOutsideTheFieldAreRejectedEvenIfTheyReduceToAPoint() {
    BigInteger gx =
        new BigInteger("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296", 16);
    BigInteger gy =
        new BigInteger("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5", 16);
    assertTrue(P256.onCurve(gx, gy));
    assertEquals(false, P256.onCurve(gx.add(P256.P), gy));
    assertEquals(false, P256.onCurve(BigInteger.ZERO, BigInteger.ZERO));
  }
}
