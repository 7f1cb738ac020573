package dev.sovereign.enclave.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sovereign.crypto.Crypto;
import dev.sovereign.crypto.jose.JoseHeader;
import dev.sovereign.testing.HostileHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The inner JWS's protected header is refused by the one strict header check before any key is
 * looked up, with the payload reason codes the enclave has always used.
 */
class JwsPayloadHeaderTest {
  private static final String DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
  private static final String GENUINE =
      "{\"alg\":\"EdDSA\",\"kid\":\""
          + DID
          + "#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK\",\"typ\":\""
          + JwsPayloadVerifier.TYP
          + "\"}";

  private static String b64(String s) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static RejectionReason refused(String headerPart) {
    // no key source and no policy: a header refused here never reaches either
    JwsPayloadVerifier v = new JwsPayloadVerifier(null, Crypto.system());
    String compact = headerPart + "." + b64("{\"iss\":\"" + DID + "\"}") + ".c2ln";
    return assertThrows(PayloadRejectedException.class, () -> v.verify(compact, null)).reason();
  }

  @Test
  void theProducerLibrarysHeaderPassesTheCheck() throws Exception {
    assertEquals(3, JoseHeader.check(b64(GENUINE), JwsPayloadVerifier.HEADER).size());
  }

  @Test
  void aHostileHeaderIsRefusedBeforeAnyKeyIsLookedUpWithThePayloadReasonCode() {
    Map<String, RejectionReason> expected =
        Map.of(
            "crit", RejectionReason.JWS_ALGORITHM_NOT_ALLOWED,
            "unknown-member", RejectionReason.JWS_ALGORITHM_NOT_ALLOWED,
            "alg-none", RejectionReason.JWS_ALGORITHM_NOT_ALLOWED,
            "jwk", RejectionReason.JWS_ALGORITHM_NOT_ALLOWED,
            "jku", RejectionReason.JWS_ALGORITHM_NOT_ALLOWED,
            "x5u", RejectionReason.JWS_ALGORITHM_NOT_ALLOWED,
            "duplicate-kid", RejectionReason.MALFORMED_JWS);
    Map<String, String> hostile = HostileHeaders.encoded(GENUINE);
    assertEquals(expected.keySet(), hostile.keySet());
    hostile.forEach(
        (attack, header) -> assertEquals(expected.get(attack), refused(header), attack));
  }

  @Test
  void anotherTypAMissingKidAndB64KeepTheirReasonCodes() {
    assertEquals(
        RejectionReason.JWS_TYPE_INVALID,
        refused(b64(GENUINE.replace(JwsPayloadVerifier.TYP, "JWT"))));
    assertEquals(
        RejectionReason.MALFORMED_JWS,
        refused(b64("{\"alg\":\"EdDSA\",\"typ\":\"" + JwsPayloadVerifier.TYP + "\"}")));
    assertEquals(
        RejectionReason.JWS_ALGORITHM_NOT_ALLOWED,
        refused(b64(GENUINE.replace("}", ",\"b64\":false}"))));
    assertEquals(RejectionReason.MALFORMED_JWS, refused(b64("[]")));
  }
}
