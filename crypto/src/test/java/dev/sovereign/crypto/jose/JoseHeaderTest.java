package dev.sovereign.crypto.jose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sovereign.testing.HostileHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JoseHeaderTest {
  private static final JoseHeader.Rules RULES =
      JoseHeader.Rules.of(
          JoseHeader.Member.required("alg", "EdDSA"),
          JoseHeader.Member.required("kid"),
          JoseHeader.Member.optional("typ", "a+jwt"),
          JoseHeader.Member.optionalObject("epk"));

  private static final String GENUINE = "{\"alg\":\"EdDSA\",\"kid\":\"did:key:z6Mk#z6Mk\"}";

  private static String b64(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private static JoseHeader.Rejected refused(String json) {
    return assertThrows(JoseHeader.Rejected.class, () -> JoseHeader.check(b64(json), RULES));
  }

  @Test
  void aHeaderWithOnlyAllowedMembersAndValuesIsAcceptedAsItIs() throws Exception {
    assertEquals("EdDSA", JoseHeader.check(b64(GENUINE), RULES).get("alg").textValue());
    String full = "{\"alg\":\"EdDSA\",\"kid\":\"k\",\"typ\":\"a+jwt\",\"epk\":{\"kty\":\"EC\"}}";
    assertEquals(4, JoseHeader.check(b64(full), RULES).size());
  }

  @Test
  void everyHostileVariantIsRefusedWithItsOwnFault() {
    Map<String, JoseHeader.Fault> expected =
        Map.of(
            "crit", JoseHeader.Fault.CRITICAL,
            "unknown-member", JoseHeader.Fault.UNKNOWN_MEMBER,
            "alg-none", JoseHeader.Fault.UNSECURED,
            "jwk", JoseHeader.Fault.EMBEDDED_KEY,
            "jku", JoseHeader.Fault.EMBEDDED_KEY,
            "x5u", JoseHeader.Fault.EMBEDDED_KEY,
            "duplicate-kid", JoseHeader.Fault.DUPLICATE_MEMBER);
    Map<String, String> variants = HostileHeaders.of(GENUINE);
    assertEquals(expected.keySet(), variants.keySet());
    variants.forEach((name, json) -> assertEquals(expected.get(name), refused(json).fault(), name));
  }

  @Test
  void aMissingMemberAWrongValueOrTypeAndANoneInAnyCaseAreRefusedNamingTheMember() {
    JoseHeader.Rejected missing = refused("{\"alg\":\"EdDSA\"}");
    assertEquals(JoseHeader.Fault.MISSING_MEMBER, missing.fault());
    assertEquals("kid", missing.member());
    JoseHeader.Rejected other = refused("{\"alg\":\"ES256\",\"kid\":\"k\"}");
    assertEquals(JoseHeader.Fault.VALUE_NOT_ALLOWED, other.fault());
    assertEquals("alg", other.member());
    assertEquals(
        JoseHeader.Fault.VALUE_NOT_ALLOWED, refused("{\"alg\":\"EdDSA\",\"kid\":7}").fault());
    assertEquals(
        JoseHeader.Fault.VALUE_NOT_ALLOWED,
        refused("{\"alg\":\"EdDSA\",\"kid\":\"k\",\"epk\":\"x\"}").fault());
    assertEquals(JoseHeader.Fault.UNSECURED, refused("{\"alg\":\"NoNe\",\"kid\":\"k\"}").fault());
  }

  @Test
  void paddingNonJsonTrailingTokensArraysAndDeepNestingAreMalformed() {
    for (String part :
        new String[] {
          b64(GENUINE) + "=",
          "!!",
          b64("not json"),
          b64(GENUINE + "{}"),
          b64("[1]"),
          b64("{\"alg\":\"EdDSA\",\"kid\":\"k\",\"epk\":{\"a\":{\"b\":{\"c\":{\"d\":1}}}}}"),
          ""
        }) {
      JoseHeader.Rejected r =
          assertThrows(JoseHeader.Rejected.class, () -> JoseHeader.check(part, RULES), part);
      assertEquals(JoseHeader.Fault.MALFORMED, r.fault(), part);
    }
  }

  @Test
  void rulesCannotAllowCritOrAKeyMember() {
    assertThrows(
        IllegalArgumentException.class,
        () -> JoseHeader.Rules.of(JoseHeader.Member.optional("jku")));
    assertThrows(
        IllegalArgumentException.class,
        () -> JoseHeader.Rules.of(JoseHeader.Member.optional("crit")));
  }
}
