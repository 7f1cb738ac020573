package dev.sovereign.attestation.kms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.EnvelopedData;
import org.bouncycastle.asn1.cms.KeyTransRecipientInfo;
import org.bouncycastle.asn1.cms.RecipientInfo;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAESOAEPparams;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RecipientEnvelopesTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static RecipientKeyPair keys;

  @BeforeAll
  static void keys() {
    keys = RecipientKeyPair.generate(RANDOM);
  }

  @Test
  void anEnvelopeWrappedToTheRecipientKeyOpensToTheSameBytes() throws Exception {
    byte[] dataKey = new byte[32];
    RANDOM.nextBytes(dataKey);
    SecretBytes opened = keys.open(RecipientEnvelopes.wrap(keys.publicKey(), dataKey, RANDOM));
    assertTrue(opened.equalsSecret(SecretBytes.copyOf(dataKey, SecretAccess.get())));
    assertFalse(opened.toString().contains(HexFormat.of().formatHex(dataKey)));
  }

  @Test
  void theEnvelopeHasTheKmsShape() throws Exception {
    byte[] env = RecipientEnvelopes.wrap(keys.publicKey(), new byte[32], RANDOM);
    EnvelopedData ed =
        EnvelopedData.getInstance(
            ContentInfo.getInstance(ASN1Primitive.fromByteArray(env)).getContent());
    assertEquals(2, ed.getVersion().intValueExact());
    KeyTransRecipientInfo ktri =
        (KeyTransRecipientInfo)
            RecipientInfo.getInstance(ed.getRecipientInfos().getObjectAt(0)).getInfo();
    assertEquals(2, ktri.getVersion().intValueExact());
    RSAESOAEPparams p =
        RSAESOAEPparams.getInstance(ktri.getKeyEncryptionAlgorithm().getParameters());
    assertEquals(NISTObjectIdentifiers.id_sha256, p.getHashAlgorithm().getAlgorithm());
    assertEquals(PKCSObjectIdentifiers.id_mgf1, p.getMaskGenAlgorithm().getAlgorithm());
    assertEquals(
        NISTObjectIdentifiers.id_sha256,
        AlgorithmIdentifier.getInstance(p.getMaskGenAlgorithm().getParameters()).getAlgorithm());
    assertEquals(
        NISTObjectIdentifiers.id_aes256_CBC,
        ed.getEncryptedContentInfo().getContentEncryptionAlgorithm().getAlgorithm());
  }

  @Test
  void anEnvelopeForAnotherKeyIsRejectedAsDecryptionFailed() {
    RecipientKeyPair other = RecipientKeyPair.generate(RANDOM);
    byte[] env = RecipientEnvelopes.wrap(other.publicKey(), new byte[32], RANDOM);
    RecipientEnvelopeException e =
        assertThrows(RecipientEnvelopeException.class, () -> keys.open(env));
    assertEquals(EnvelopeRejection.DECRYPTION_FAILED, e.reason());
  }

  @Test
  void oaepWithDefaultSha1ParametersIsRejectedBeforeAnyDecryption() throws Exception {
    byte[] env = RecipientEnvelopes.wrap(keys.publicKey(), new byte[32], RANDOM);
    byte[] sha1 =
        replaceKeyTransport(
            env,
            null,
            new AlgorithmIdentifier(PKCSObjectIdentifiers.id_RSAES_OAEP, new RSAESOAEPparams()));
    assertEquals(
        EnvelopeRejection.UNSUPPORTED_ALGORITHM,
        assertThrows(RecipientEnvelopeException.class, () -> keys.open(sha1)).reason());
    byte[] pkcs1 =
        replaceKeyTransport(
            env, null, new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption));
    assertEquals(
        EnvelopeRejection.UNSUPPORTED_ALGORITHM,
        assertThrows(RecipientEnvelopeException.class, () -> keys.open(pkcs1)).reason());
  }

  @Test
  void flippingAByteInEachRegionOfTheEnvelopeIsRejected() throws Exception {
    byte[] env = RecipientEnvelopes.wrap(keys.publicKey(), new byte[32], RANDOM);
    // last byte: encrypted content; a byte in the middle: the OAEP ciphertext; byte 1: the outer
    // length
    for (int i : new int[] {1, env.length / 2, env.length - 1, env.length - 20}) {
      byte[] t = env.clone();
      t[i] ^= 0x01;
      assertThrows(RecipientEnvelopeException.class, () -> keys.open(t), "flip at " + i);
    }
  }

  /**
   * Project Wycheproof {@code rsa_oaep_2048_sha256_mgf1sha256_test.json} (C2SP/wycheproof,
   * testvectors_v1, Apache-2.0) through the key-transport step of {@link RecipientEnvelopes#open}:
   * valid vectors decrypt to {@code msg}; invalid ones fail with the single DECRYPTION_FAILED code,
   * also when placed inside a full envelope.
   */
  @Test
  void wycheproofRsaOaepSha256VectorsPassThroughTheUnwrapPath() throws Exception {
    Path file =
        dev.sovereign.testing.Fixtures.vector(
            "wycheproof/rsa_oaep_2048_sha256_mgf1sha256_test.json");
    JsonNode root = new ObjectMapper().readTree(Files.readAllBytes(file));
    HexFormat hex = HexFormat.of();
    int valid = 0;
    int invalid = 0;
    for (JsonNode group : root.get("testGroups")) {
      PrivateKey key =
          KeyFactory.getInstance("RSA")
              .generatePrivate(
                  new PKCS8EncodedKeySpec(hex.parseHex(group.get("privateKeyPkcs8").asText())));
      byte[] envTemplate = RecipientEnvelopes.wrap(keys.publicKey(), new byte[32], RANDOM);
      for (JsonNode t : group.get("tests")) {
        String id = "tcId " + t.get("tcId").asInt();
        byte[] ct = hex.parseHex(t.get("ct").asText());
        byte[] label = hex.parseHex(t.get("label").asText());
        if (t.get("result").asText().equals("valid")) {
          assertArrayEquals(
              hex.parseHex(t.get("msg").asText()),
              RecipientEnvelopes.unwrapContentKey(key, ct, label),
              id);
          valid++;
        } else {
          RecipientEnvelopeException e =
              assertThrows(
                  RecipientEnvelopeException.class,
                  () -> RecipientEnvelopes.unwrapContentKey(key, ct, label),
                  id);
          assertEquals(EnvelopeRejection.DECRYPTION_FAILED, e.reason(), id);
          byte[] env = replaceKeyTransport(envTemplate, ct, oaepWithLabel(label));
          assertEquals(
              EnvelopeRejection.DECRYPTION_FAILED,
              assertThrows(
                      RecipientEnvelopeException.class, () -> RecipientEnvelopes.open(env, key), id)
                  .reason(),
              id);
          invalid++;
        }
      }
    }
    assertEquals(18, valid);
    assertEquals(19, invalid);
  }

  private static AlgorithmIdentifier oaepWithLabel(byte[] label) {
    AlgorithmIdentifier sha256 = new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256);
    return new AlgorithmIdentifier(
        PKCSObjectIdentifiers.id_RSAES_OAEP,
        new RSAESOAEPparams(
            sha256,
            new AlgorithmIdentifier(PKCSObjectIdentifiers.id_mgf1, sha256),
            new AlgorithmIdentifier(
                PKCSObjectIdentifiers.id_pSpecified, new DEROctetString(label))));
  }

  /** Rebuilds an envelope with another key-transport algorithm and, if given, encrypted key. */
  private static byte[] replaceKeyTransport(
      byte[] env, byte[] encryptedKey, AlgorithmIdentifier alg) throws Exception {
    EnvelopedData ed =
        EnvelopedData.getInstance(
            ContentInfo.getInstance(ASN1Primitive.fromByteArray(env)).getContent());
    KeyTransRecipientInfo k =
        (KeyTransRecipientInfo)
            RecipientInfo.getInstance(ed.getRecipientInfos().getObjectAt(0)).getInfo();
    KeyTransRecipientInfo replaced =
        new KeyTransRecipientInfo(
            k.getRecipientIdentifier(),
            alg,
            encryptedKey == null ? k.getEncryptedKey() : new DEROctetString(encryptedKey));
    EnvelopedData out =
        new EnvelopedData(
            null,
            new DERSet(new RecipientInfo(replaced)),
            ed.getEncryptedContentInfo(),
            (ASN1Set) null);
    return new ContentInfo(CMSObjectIdentifiers.envelopedData, out).getEncoded(ASN1Encoding.DER);
  }

  @Test
  void randomMutationsAndTruncationsOnlyEverGiveATypedRejection() {
    byte[] env = RecipientEnvelopes.wrap(keys.publicKey(), new byte[32], RANDOM);
    java.util.Random r = new java.util.Random(20261127L); // fixed seed: failures reproduce
    for (int i = 0; i < 1000; i++) {
      byte[] t = i % 5 == 0 ? java.util.Arrays.copyOf(env, r.nextInt(env.length)) : env.clone();
      if (i % 5 != 0) {
        for (int k = 1 + r.nextInt(4); k > 0; k--) {
          t[r.nextInt(t.length)] = (byte) r.nextInt(256);
        }
      }
      byte[] input = t;
      try {
        keys.open(input).destroy(); // a mutation in the IV or an unused DER byte may still open
      } catch (RecipientEnvelopeException expected) {
        // typed rejection: fine
      } catch (RuntimeException e) {
        throw new AssertionError("mutation " + i + " escaped as " + e, e);
      }
    }
  }

  @Test
  void secretBytesNeverPrintTheirValueAndCanBeWiped() {
    byte[] raw = HexFormat.of().parseHex("00112233445566778899aabbccddeeff");
    SecretBytes s = SecretBytes.copyOf(raw, SecretAccess.get());
    assertEquals("SecretBytes[16 bytes, redacted]", s.toString());
    s.destroy();
    assertTrue(s.isDestroyed());
    assertThrows(IllegalStateException.class, () -> s.toByteArray(SecretAccess.get()));
    assertEquals(Base64.getEncoder().encodeToString(raw).length(), 24);
  }
}
