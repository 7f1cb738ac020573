package dev.sovereign.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sovereign.testing.Fixtures;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Project Wycheproof (C2SP/wycheproof testvectors_v1, Apache-2.0; fixtures/wycheproof) through
 * every backend available here: AWS-LC and the pure-Java fallback give the verdict the vector
 * states, so neither can drift from the other. "acceptable" vectors (legacy encodings) may be
 * refused, but if accepted they must give the stated result, never another one.
 */
class WycheproofTest {
  private static final HexFormat HEX = HexFormat.of();

  private static JsonNode vectors(String file) throws Exception {
    return new ObjectMapper().readTree(Fixtures.vector("wycheproof/" + file).toFile());
  }

  private static void check(List<String> wrong, JsonNode t, boolean accepted, boolean right) {
    String result = t.get("result").asText();
    boolean ok =
        switch (result) {
          case "valid" -> accepted && right;
          case "invalid" -> !accepted;
          default -> !accepted || right;
        };
    if (!ok) {
      wrong.add("tcId " + t.get("tcId") + " " + result + ": " + t.get("comment").asText());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sovereign.crypto.Crypto#backends")
  void everyEs256P1363VectorGetsTheVerdictWycheproofStates(Crypto crypto) throws Exception {
    assertEquals(262, ecdsa(crypto, "ecdsa_secp256r1_sha256_p1363_test.json", "SHA256"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sovereign.crypto.Crypto#backends")
  void everyEs384P1363VectorGetsTheVerdictWycheproofStates(Crypto crypto) throws Exception {
    assertEquals(280, ecdsa(crypto, "ecdsa_secp384r1_sha384_p1363_test.json", "SHA384"));
  }

  private static int ecdsa(Crypto crypto, String file, String hash) throws Exception {
    List<String> wrong = new ArrayList<>();
    int n = 0;
    for (JsonNode g : vectors(file).get("testGroups")) {
      PublicKey key =
          crypto
              .keyFactory("EC")
              .generatePublic(new X509EncodedKeySpec(HEX.parseHex(g.get("publicKeyDer").asText())));
      for (JsonNode t : g.get("tests")) {
        n++;
        boolean accepted =
            crypto.verifyEcdsaP1363(
                hash,
                key,
                HEX.parseHex(t.get("msg").asText()),
                HEX.parseHex(t.get("sig").asText()));
        check(wrong, t, accepted, true);
      }
    }
    assertTrue(wrong.isEmpty(), () -> crypto + "\n" + String.join("\n", wrong));
    return n;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sovereign.crypto.Crypto#backends")
  void everyEd25519VectorGetsTheVerdictWycheproofStates(Crypto crypto) throws Exception {
    List<String> wrong = new ArrayList<>();
    int n = 0;
    for (JsonNode g : vectors("ed25519_test.json").get("testGroups")) {
      PublicKey key = crypto.ed25519PublicKey(HEX.parseHex(g.get("publicKey").get("pk").asText()));
      for (JsonNode t : g.get("tests")) {
        n++;
        boolean accepted =
            crypto.verifyEd25519(
                key, HEX.parseHex(t.get("msg").asText()), HEX.parseHex(t.get("sig").asText()));
        check(wrong, t, accepted, true);
      }
    }
    assertTrue(wrong.isEmpty(), () -> crypto + "\n" + String.join("\n", wrong));
    assertEquals(151, n);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sovereign.crypto.Crypto#backends")
  void everyEcdhP256VectorGivesTheStatedSecretOrIsRefusedAsInvalid(Crypto crypto) throws Exception {
    List<String> wrong = new ArrayList<>();
    int n = 0;
    int refusedInvalid = 0;
    for (JsonNode g : vectors("ecdh_secp256r1_test.json").get("testGroups")) {
      for (JsonNode t : g.get("tests")) {
        n++;
        byte[] shared = null;
        try {
          PublicKey pub =
              crypto
                  .keyFactory("EC")
                  .generatePublic(new X509EncodedKeySpec(HEX.parseHex(t.get("public").asText())));
          KeyAgreement ka = crypto.keyAgreement("ECDH");
          ka.init(P256Keys.privateKey(crypto, HEX.parseHex(t.get("private").asText())));
          ka.doPhase(pub, true);
          shared = ka.generateSecret();
        } catch (GeneralSecurityException | RuntimeException e) {
          // refused: the key did not decode or the agreement failed
        }
        boolean accepted = shared != null;
        if (!accepted && t.get("result").asText().equals("invalid")) {
          refusedInvalid++;
        }
        check(
            wrong,
            t,
            accepted,
            accepted && java.util.Arrays.equals(shared, HEX.parseHex(t.get("shared").asText())));
      }
    }
    assertTrue(wrong.isEmpty(), () -> crypto + "\n" + String.join("\n", wrong));
    assertEquals(612, n);
    assertEquals(52, refusedInvalid);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sovereign.crypto.Crypto#backends")
  void everyAesGcmVectorDecryptsToTheStatedPlaintextOrIsRefused(Crypto crypto) throws Exception {
    List<String> wrong = new ArrayList<>();
    int n = 0;
    for (JsonNode g : vectors("aes_gcm_test.json").get("testGroups")) {
      for (JsonNode t : g.get("tests")) {
        n++;
        byte[] msg = HEX.parseHex(t.get("msg").asText());
        byte[] ct = HEX.parseHex(t.get("ct").asText() + t.get("tag").asText());
        byte[] plain = null;
        try {
          Cipher c = crypto.cipher("AES/GCM/NoPadding");
          c.init(
              Cipher.DECRYPT_MODE,
              new SecretKeySpec(HEX.parseHex(t.get("key").asText()), "AES"),
              new GCMParameterSpec(g.get("tagSize").asInt(), HEX.parseHex(t.get("iv").asText())));
          c.updateAAD(HEX.parseHex(t.get("aad").asText()));
          plain = c.doFinal(ct);
        } catch (GeneralSecurityException | RuntimeException e) {
          // refused
        }
        check(wrong, t, plain != null, plain != null && java.util.Arrays.equals(plain, msg));
      }
    }
    assertTrue(wrong.isEmpty(), () -> crypto + "\n" + String.join("\n", wrong));
    assertEquals(316, n);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sovereign.crypto.Crypto#backends")
  void everyRsaOaepSha256VectorDecryptsToTheStatedPlaintextOrIsRefused(Crypto crypto)
      throws Exception {
    List<String> wrong = new ArrayList<>();
    int n = 0;
    for (JsonNode g : vectors("rsa_oaep_2048_sha256_mgf1sha256_test.json").get("testGroups")) {
      PrivateKey key =
          crypto
              .keyFactory("RSA")
              .generatePrivate(
                  new PKCS8EncodedKeySpec(HEX.parseHex(g.get("privateKeyPkcs8").asText())));
      for (JsonNode t : g.get("tests")) {
        byte[] label = HEX.parseHex(t.get("label").asText());
        if (label.length > 0) {
          continue; // KMS's RSAES_OAEP_SHA_256 has no label; see the test below
        }
        n++;
        byte[] plain = null;
        try {
          Cipher c = crypto.cipher("RSA/ECB/OAEPPadding");
          c.init(
              Cipher.DECRYPT_MODE,
              key,
              new OAEPParameterSpec(
                  "SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
          plain = c.doFinal(HEX.parseHex(t.get("ct").asText()));
        } catch (GeneralSecurityException | RuntimeException e) {
          // refused
        }
        check(
            wrong,
            t,
            plain != null,
            plain != null && java.util.Arrays.equals(plain, HEX.parseHex(t.get("msg").asText())));
      }
    }
    assertTrue(wrong.isEmpty(), () -> crypto + "\n" + String.join("\n", wrong));
    assertTrue(n >= 20, "vectors without a label: " + n);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sovereign.crypto.Crypto#backends")
  void sha256AndSha384GiveTheFipsExampleDigests(Crypto crypto) {
    byte[] abc = "abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertArrayEquals(
        HEX.parseHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        crypto.sha256(abc));
    assertArrayEquals(
        HEX.parseHex(
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                + "8086072ba1e7cc2358baeca134c825a7"),
        crypto.sha384(abc));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sovereign.crypto.Crypto#backends")
  void bulkDigestGivesTheJdkBytesAndIsAwsLcsOwnOnAwsLc(Crypto crypto) throws Exception {
    java.util.Random r = new java.util.Random(13);
    for (int size : new int[] {0, 3, 55, 56, 64, 4096, 5769, 10_240}) {
      byte[] m = new byte[size];
      r.nextBytes(m);
      for (String alg : new String[] {"SHA-256", "SHA-384", "SHA-512"}) {
        assertArrayEquals(
            java.security.MessageDigest.getInstance(alg, "SUN").digest(m),
            crypto.bulkDigest(alg).digest(m),
            alg + " of " + size + " bytes");
      }
    }
    assertEquals(
        crypto.backend() == Crypto.Backend.AWS_LC
            ? "AmazonCorrettoCryptoProvider"
            : crypto.digest("SHA-256").getProvider().getName(),
        crypto.bulkDigest("SHA-256").getProvider().getName());
  }
}
