package dev.sovereign.did.fabric.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Known-answer vectors for the encodings did:fabric builds on. */
class EncodingVectorsTest {
  @Test
  void ed25519MultikeyFromTheZeroSeedMatchesTheDidKeyVector() {
    // Source: fixtures/did-key/ed25519-x25519.json (w3c-ccg did-method-key test vectors), seed
    // 00..00.
    SoftwareControllerKey key =
        SoftwareControllerKey.fromSecret(Multikey.Type.ED25519, /* seed= */ new byte[32]);
    assertEquals("z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", key.publicKey().multibase());
    assertEquals(
        "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS", Encoding.base58btc(key.publicKey().raw()));
  }

  @Test
  void p256MultikeyFromTheJwkScalarMatchesTheDidKeyVector() {
    // Source: fixtures/did-key/nist-curves.json, first P-256 vector (privateKeyJwk.d).
    byte[] d = Base64.getUrlDecoder().decode("gPh-VvVS8MbvKQ9LSVVmfnxnKjHn4Tqj0bmbpehRlpc");
    SoftwareControllerKey key = SoftwareControllerKey.fromSecret(Multikey.Type.P256, d);
    assertEquals("zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv", key.publicKey().multibase());
    byte[] message = Encoding.utf8("did:fabric signing input");
    assertTrue(key.publicKey().verifies(message, key.sign(message)));
    assertFalse(key.publicKey().verifies(Encoding.utf8("other"), key.sign(message)));
  }

  @Test
  void jcsSortsMembersByUtf16CodeUnitsAndEscapesAsRfc8785() {
    // Source: RFC 8785 section 3.2.3 (sorting example, subset without numbers) and 3.2.2.2
    // (strings).
    String input =
        "{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\","
            + "\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\",\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}";
    String expected =
        "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\","
            + "\"\u20ac\":\"Euro Sign\",\"\ud83d\ude00\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}";
    assertEquals(
        expected,
        new String(
            Jcs.canonicalize(Jcs.parseObject(Encoding.utf8(input))),
            java.nio.charset.StandardCharsets.UTF_8));
    assertEquals(
        "{\"a\":\"\\u000f\\n\\\"\",\"b\":[true,null,-9007199254740991]}",
        new String(
            Jcs.canonicalize(
                Jcs.parseObject(
                    Encoding.utf8(
                        "{ \"b\": [true, null, -9007199254740991], \"a\": \"\\u000F\\n\\\"\" }"))),
            java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void jcsRefusesNumbersOutsideTheIntegerSubsetAndDuplicateMembers() {
    assertThrows(
        IllegalArgumentException.class,
        () -> Jcs.canonicalize(Jcs.parseObject(Encoding.utf8("{\"a\":1.5}"))));
    assertThrows(
        IllegalArgumentException.class,
        () -> Jcs.canonicalize(Jcs.parseObject(Encoding.utf8("{\"a\":9007199254740992}"))));
    assertThrows(
        IllegalArgumentException.class, () -> Jcs.parseObject(Encoding.utf8("{\"a\":1,\"a\":2}")));
  }

  @Test
  void base32IdIsThirtyTwoLowerCaseCharacters() {
    // Source: RFC 4648 section 10 ("foobar" -> MZXW6YTBOI, lower-cased, no padding).
    assertEquals("mzxw6ytboi", Encoding.base32Lower(Encoding.utf8("foobar")));
    assertEquals(32, Encoding.base32Lower(new byte[20]).length());
  }
}
