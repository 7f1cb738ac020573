package dev.sovereign.enclave.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDHEncrypter;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.sovereign.crypto.Crypto;
import dev.sovereign.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The outer JWE opened on every crypto backend available (AWS-LC and the pure-Java fallback): the
 * same plaintext whichever backend the producer encrypted with, and the same typed rejection for an
 * invalid-curve ephemeral key (Wycheproof) or a flipped ciphertext bit.
 */
class JweOpenerTest {
  private static final String INNER = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6a2V5In0.c2ln";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String encrypt(ECKey to, Crypto crypto, JWEAlgorithm alg) throws Exception {
    JWEObject jwe =
        new JWEObject(
            new JWEHeader.Builder(alg, EncryptionMethod.A256GCM)
                .keyID(to.computeThumbprint().toString())
                .contentType("JWT")
                .customParam("zone", "EU")
                .build(),
            new Payload(INNER));
    ECDHEncrypter e = new ECDHEncrypter(to.toECPublicKey());
    e.getJCAContext().setProvider(crypto.provider());
    jwe.encrypt(e);
    return jwe.serialize();
  }

  private static ECKey key() throws Exception {
    return new ECKeyGenerator(Curve.P_256).generate();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sovereign.crypto.Crypto#backends")
  void aPayloadOpensToItsPlaintextWhicheverBackendEncryptedIt(Crypto crypto) throws Exception {
    ECKey k = key();
    JweOpener opener = new JweOpener(k.toECPrivateKey(), k.computeThumbprint().toString(), crypto);
    for (Crypto producer : Crypto.backends()) {
      for (JWEAlgorithm alg : List.of(JWEAlgorithm.ECDH_ES_A256KW, JWEAlgorithm.ECDH_ES)) {
        OpenedPayload p = opener.open(encrypt(k, producer, alg), 1 << 20);
        assertEquals(INNER, p.innerJws(), producer + " " + alg);
        assertEquals("EU", p.zone());
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sovereign.crypto.Crypto#backends")
  void aFlippedCiphertextBitIsADecryptionFailureNotAnException(Crypto crypto) throws Exception {
    ECKey k = key();
    JweOpener opener = new JweOpener(k.toECPrivateKey(), k.computeThumbprint().toString(), crypto);
    String[] parts = encrypt(k, crypto, JWEAlgorithm.ECDH_ES_A256KW).split("\\.");
    byte[] ct = Base64.getUrlDecoder().decode(parts[3]);
    ct[0] ^= 1;
    parts[3] = Base64.getUrlEncoder().withoutPadding().encodeToString(ct);
    PayloadRejectedException e =
        assertThrows(
            PayloadRejectedException.class, () -> opener.open(String.join(".", parts), 1 << 20));
    assertEquals(RejectionReason.DECRYPTION_FAILED, e.reason());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sovereign.crypto.Crypto#backends")
  void aCharacterOutsideBase64urlInAnyPartIsAMalformedJweEveryTime(Crypto crypto) throws Exception {
    ECKey k = key();
    JweOpener opener = new JweOpener(k.toECPrivateKey(), k.computeThumbprint().toString(), crypto);
    String genuine = encrypt(k, crypto, JWEAlgorithm.ECDH_ES_A256KW);
    String[] base = genuine.split("\\.");
    List<String> wrong = new ArrayList<>();
    // the header's own check reads part 0; parts 1 to 4 (key, iv, ciphertext, tag) are decoded
    // here: a lenient decoder skips the inserted character and opens the same plaintext
    for (int part = 1; part < 5; part++) {
      for (String inserted : List.of("!", " ", "\n", "+", "/", "=", "==", "*")) {
        String[] parts = base.clone();
        parts[part] = parts[part].substring(0, 4) + inserted + parts[part].substring(4);
        for (int attempt = 0; attempt < 2; attempt++) {
          try {
            opener.open(String.join(".", parts), 1 << 20);
            wrong.add("part " + part + " with '" + inserted + "' opened");
          } catch (PayloadRejectedException e) {
            if (e.reason() != RejectionReason.MALFORMED_JWE) {
              wrong.add("part " + part + " with '" + inserted + "': " + e.reason());
            }
          }
        }
      }
    }
    assertTrue(wrong.isEmpty(), () -> String.join("\n", wrong));
    assertEquals(INNER, opener.open(genuine, 1 << 20).innerJws(), "the genuine one still opens");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sovereign.crypto.Crypto#backends")
  void theSameHeaderMembersReEncodedAreADecryptionFailureBecauseTheAadIsTheHeaderAsSent(
      Crypto crypto) throws Exception {
    ECKey k = key();
    JweOpener opener = new JweOpener(k.toECPrivateKey(), k.computeThumbprint().toString(), crypto);
    for (JWEAlgorithm alg : List.of(JWEAlgorithm.ECDH_ES_A256KW, JWEAlgorithm.ECDH_ES)) {
      String[] parts = encrypt(k, crypto, alg).split("\\.", -1);
      ObjectNode h = (ObjectNode) JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
      // the same members and values, in another order and with whitespace: what a parser reads
      // is the same header, the authenticated bytes are not
      String reordered =
          " "
              + JSON.writeValueAsString(
                  JSON.createObjectNode()
                      .setAll(
                          new java.util.TreeMap<String, JsonNode>(
                              java.util.Map.ofEntries(
                                  h.properties().toArray(new java.util.Map.Entry[0])))));
      parts[0] = Base64.getUrlEncoder().withoutPadding().encodeToString(utf8(reordered));
      PayloadRejectedException e =
          assertThrows(
              PayloadRejectedException.class,
              () -> opener.open(String.join(".", parts), 1 << 20),
              alg.getName());
      assertEquals(RejectionReason.DECRYPTION_FAILED, e.reason(), alg.getName());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sovereign.crypto.Crypto#backends")
  void everyWycheproofInvalidCurvePointAsEpkIsAnInvalidEphemeralKey(Crypto crypto)
      throws Exception {
    ECKey k = key();
    JweOpener opener = new JweOpener(k.toECPrivateKey(), k.computeThumbprint().toString(), crypto);
    String[] base = encrypt(k, crypto, JWEAlgorithm.ECDH_ES_A256KW).split("\\.");
    String spki = "3059301306072a8648ce3d020106082a8648ce3d03010703420004";
    List<String> wrong = new ArrayList<>();
    int n = 0;
    JsonNode root = JSON.readTree(Fixtures.vector("wycheproof/ecdh_secp256r1_test.json").toFile());
    for (JsonNode g : root.get("testGroups")) {
      for (JsonNode t : g.get("tests")) {
        String pub = t.get("public").asText();
        boolean invalidCurve =
            t.get("flags").toString().contains("InvalidCurveAttack")
                || t.get("comment").asText().contains("not on curve");
        if (!invalidCurve || !pub.startsWith(spki) || pub.length() != spki.length() + 128) {
          continue;
        }
        n++;
        byte[] xy = HexFormat.of().parseHex(pub.substring(spki.length()));
        ObjectNode h = (ObjectNode) JSON.readTree(Base64.getUrlDecoder().decode(base[0]));
        ObjectNode epk = (ObjectNode) h.get("epk");
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        epk.put("x", b64.encodeToString(Arrays.copyOfRange(xy, 0, 32)));
        epk.put("y", b64.encodeToString(Arrays.copyOfRange(xy, 32, 64)));
        String[] parts = base.clone();
        parts[0] = b64.encodeToString(JSON.writeValueAsBytes(h));
        try {
          opener.open(String.join(".", parts), 1 << 20);
          wrong.add("tcId " + t.get("tcId") + " opened");
        } catch (PayloadRejectedException e) {
          if (e.reason() != RejectionReason.INVALID_EPHEMERAL_KEY) {
            wrong.add("tcId " + t.get("tcId") + " " + e.reason());
          }
        }
      }
    }
    assertTrue(n >= 10, "invalid-curve vectors: " + n);
    assertTrue(wrong.isEmpty(), () -> String.join("\n", wrong));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sovereign.crypto.Crypto#backends")
  void aHostileProtectedHeaderIsRefusedBeforeDecryptionWithTheJweReasonCode(Crypto crypto)
      throws Exception {
    ECKey k = key();
    JweOpener opener = new JweOpener(k.toECPrivateKey(), k.computeThumbprint().toString(), crypto);
    String[] base = encrypt(k, crypto, JWEAlgorithm.ECDH_ES_A256KW).split("\\.");
    String genuine = new String(Base64.getUrlDecoder().decode(base[0]), StandardCharsets.UTF_8);
    java.util.Map<String, RejectionReason> expected =
        java.util.Map.of(
            "crit", RejectionReason.JWE_ALGORITHM_NOT_ALLOWED,
            "unknown-member", RejectionReason.JWE_ALGORITHM_NOT_ALLOWED,
            "alg-none", RejectionReason.JWE_ALGORITHM_NOT_ALLOWED,
            "jwk", RejectionReason.JWE_ALGORITHM_NOT_ALLOWED,
            "jku", RejectionReason.JWE_ALGORITHM_NOT_ALLOWED,
            "x5u", RejectionReason.JWE_ALGORITHM_NOT_ALLOWED,
            "duplicate-kid", RejectionReason.MALFORMED_JWE);
    java.util.Map<String, String> hostile = dev.sovereign.testing.HostileHeaders.encoded(genuine);
    assertEquals(expected.keySet(), hostile.keySet());
    hostile.forEach(
        (attack, header) -> {
          String[] parts = base.clone();
          parts[0] = header;
          PayloadRejectedException e =
              assertThrows(
                  PayloadRejectedException.class,
                  () -> opener.open(String.join(".", parts), 1 << 20),
                  attack);
          assertEquals(expected.get(attack), e.reason(), attack);
        });
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
