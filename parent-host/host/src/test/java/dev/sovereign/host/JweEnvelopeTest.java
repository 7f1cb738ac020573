package dev.sovereign.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class JweEnvelopeTest {
  private static final String HEADER =
      b64("{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"kid\":\"k1\",\"zone\":\"EU\"}");
  private static final String VALID = HEADER + ".ZW5j.aXYxMjM0NTY3ODkw.Y2lwaGVyLXRleHQ.dGFn";

  private static String b64(String s) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String refusal(String compact) {
    Problem p = assertThrows(Problem.class, () -> JweEnvelope.read(compact));
    assertEquals("malformed-payload", p.code());
    assertEquals(400, p.status());
    return p.getMessage();
  }

  @Test
  void readsTheRoutingFieldsOfAWellFormedEnvelope() {
    assertEquals(new JweEnvelope("ECDH-ES+A256KW", "A256GCM", "k1", "EU"), JweEnvelope.read(VALID));
    // ECDH-ES (direct) has an empty encrypted key part
    String direct =
        b64("{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"kid\":\"k1\",\"zone\":\"US\"}")
            + "..aXY.Y3Q.dGFn";
    assertEquals("US", JweEnvelope.read(direct).zone());
  }

  @Test
  void refusesAnythingButFiveParts() {
    String four = refusal(HEADER + ".ZW5j.aXY.Y3Q");
    String six = refusal(VALID + ".dGFn");
    assertEquals(four, six);
    refusal("");
    refusal("....");
    refusal(VALID + ".");
  }

  @Test
  void refusesPaddingWhitespaceAndCharactersOutsideBase64url() {
    for (String bad :
        new String[] {
          VALID + "=",
          VALID.replace(".ZW5j.", ".ZW5j+."),
          VALID.replace(".dGFn", ".dG Fn"),
          VALID.replace(".dGFn", ".dGF\u00e9"),
          VALID.replace(".dGFn", ".dGF\u0100"),
          VALID.replace(".dGFn", ".dGF\u4e00"),
          VALID.replace(".dGFn", ".dGF/")
        }) {
      assertEquals(refusal(VALID + "="), refusal(bad), bad);
    }
  }

  @Test
  void refusesEmptyHeaderIvCiphertextOrTag() {
    String[] empties = {
      ".ZW5j.aXY.Y3Q.dGFn",
      HEADER + ".ZW5j..Y3Q.dGFn",
      HEADER + ".ZW5j.aXY..dGFn",
      HEADER + ".ZW5j.aXY.Y3Q."
    };
    for (String e : empties) {
      refusal(e);
    }
  }

  @Test
  void refusesAHeaderThatIsNotAnObjectWithTheExpectedAlgorithms() {
    refusal(b64("[1,2]") + ".ZW5j.aXY.Y3Q.dGFn");
    refusal("eyJ" + ".ZW5j.aXY.Y3Q.dGFn");
    refusal(
        b64("{\"alg\":\"RSA-OAEP\",\"enc\":\"A256GCM\",\"kid\":\"k1\",\"zone\":\"EU\"}")
            + ".ZW5j.aXY.Y3Q.dGFn");
    refusal(
        b64("{\"alg\":\"ECDH-ES\",\"enc\":\"A128CBC-HS256\",\"kid\":\"k1\",\"zone\":\"EU\"}")
            + ".ZW5j.aXY.Y3Q.dGFn");
    refusal(
        b64("{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"kid\":\"k1\",\"zone\":\"eu\"}")
            + ".ZW5j.aXY.Y3Q.dGFn");
    refusal(
        b64("{\"alg\":\"ECDH-ES\",\"enc\":\"A256GCM\",\"zone\":\"EU\"}") + ".ZW5j.aXY.Y3Q.dGFn");
  }
}
