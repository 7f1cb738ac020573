package dev.sovereign.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The two backends produce the same bytes and verdicts, and the choice between them is visible. */
class BackendsAgreeTest {
  private static final byte[] MESSAGE =
      "{\"iss\":\"did:key:z6Mk\",\"records\":[]}".getBytes(StandardCharsets.UTF_8);

  @Test
  void awsLcLoadsOnLinuxX86_64AndAarch64SoTheNativePathCannotSilentlyVanish() {
    String os = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT);
    String arch = System.getProperty("os.arch");
    assumeTrue(
        os.contains("linux") && (arch.equals("amd64") || arch.equals("aarch64")),
        "AWS-LC ships for Linux x86_64/aarch64 only");
    assertTrue(Crypto.awsLc().isPresent(), Crypto.awsLcUnavailableReason());
    assertEquals(2, Crypto.backends().size());
  }

  @Test
  void theChoiceFollowsThePropertyAndRefusesAnUnknownValue() {
    assertEquals(Crypto.Backend.JAVA, Crypto.choose("java").backend());
    assertEquals(
        Crypto.awsLc().map(Crypto::backend).orElse(Crypto.Backend.JAVA),
        Crypto.choose("auto").backend());
    assertThrows(IllegalStateException.class, () -> Crypto.choose("sunec"));
  }

  @Test
  void theSystemChoiceIsTheBackendThePropertyAsksFor() {
    // the build's crypto-fallback run sets sovereign.crypto=java; the default run leaves it unset
    Crypto.Backend expected =
        "java".equals(System.getProperty(Crypto.PROPERTY))
            ? Crypto.Backend.JAVA
            : Crypto.awsLc().map(Crypto::backend).orElse(Crypto.Backend.JAVA);
    assertEquals(expected, Crypto.system().backend());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sovereign.crypto.Crypto#backends")
  void theStartupLineNamesWhatServesEveryPrimitive(Crypto crypto) {
    String line = crypto.describe();
    assertTrue(line.startsWith("crypto provider " + crypto.backend().id() + ": "), line);
    for (Primitive p : Primitive.values()) {
      assertTrue(line.contains(p.label() + "=" + crypto.implementation(p)), line);
    }
    if (crypto.backend() == Crypto.Backend.AWS_LC) {
      assertTrue(crypto.implementation(Primitive.ECDH).startsWith("AmazonCorrettoCryptoProvider"));
      assertTrue(crypto.implementation(Primitive.EDDSA).startsWith("AmazonCorrettoCryptoProvider"));
      assertTrue(crypto.implementation(Primitive.ECDSA).startsWith("AmazonCorrettoCryptoProvider"));
    } else {
      for (Primitive p : Primitive.values()) {
        assertFalse(crypto.implementation(p).contains("Corretto"), p.label());
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.sovereign.crypto.Crypto#backends")
  void anEcdhPeerKeyOffP256IsRefusedEvenWhenItsCoordinatesAreInRange(Crypto crypto)
      throws Exception {
    // the invalid-curve attack: a point on another curve with the same a, chosen so a small
    // subgroup leaks bits of the private key; here (x, y+1) of a valid point, which is off P-256
    KeyPair peer = pair(crypto, "EC");
    ECPublicKey good = (ECPublicKey) peer.getPublic();
    BigInteger x = good.getW().getAffineX();
    BigInteger y = good.getW().getAffineY().add(BigInteger.ONE);
    PrivateKey mine = pair(crypto, "EC").getPrivate();
    // refused by both, but not with the same exception type: AWS-LC throws ACCP's
    // RuntimeCryptoException (POINT_IS_NOT_ON_CURVE), Bouncy Castle IllegalArgumentException, so
    // callers treat any exception from a key agreement as a refusal
    assertThrows(
        Exception.class,
        () -> {
          PublicKey bad = P256Keys.publicKey(crypto, x, y);
          KeyAgreement ka = crypto.keyAgreement("ECDH");
          ka.init(mine);
          ka.doPhase(bad, true);
          ka.generateSecret();
        });
    // and the point at (0, 0), which is not on P-256 either
    assertThrows(
        Exception.class,
        () -> {
          KeyAgreement ka = crypto.keyAgreement("ECDH");
          ka.init(mine);
          ka.doPhase(P256Keys.publicKey(crypto, BigInteger.ZERO, BigInteger.ZERO), true);
          ka.generateSecret();
        });
  }

  @Test
  void bothBackendsDeriveTheSameEcdhSecretSignTheSameEd25519BytesAndEncryptTheSameAesGcmBytes()
      throws Exception {
    List<Crypto> all = Crypto.backends();
    assumeTrue(all.size() == 2, "AWS-LC is not available here: " + Crypto.awsLcUnavailableReason());
    Crypto a = all.get(0);
    Crypto b = all.get(1);
    // ECDH: keys from one backend, agreement in both
    KeyPair alice = pair(a, "EC");
    KeyPair bob = pair(b, "EC");
    assertArrayEquals(
        ecdh(a, alice.getPrivate(), bob.getPublic()), ecdh(b, alice.getPrivate(), bob.getPublic()));
    assertArrayEquals(
        ecdh(a, alice.getPrivate(), bob.getPublic()), ecdh(b, bob.getPrivate(), alice.getPublic()));
    // Ed25519 is deterministic: the same signature bytes, and each verifies the other's
    KeyPair ed = pair(a, "Ed25519");
    byte[] sa = sign(a, "Ed25519", ed.getPrivate());
    byte[] sb = sign(b, "Ed25519", ed.getPrivate());
    assertArrayEquals(sa, sb);
    assertTrue(b.verifyEd25519(ed.getPublic(), MESSAGE, sa));
    assertTrue(a.verifyEd25519(ed.getPublic(), MESSAGE, sb));
    // ECDSA is randomised: each verifies the other's, in both forms
    for (String hash : List.of("SHA256", "SHA384")) {
      KeyPair ec = pair(a, "EC", hash.equals("SHA256") ? "secp256r1" : "secp384r1");
      byte[] p1363 = sign(a, hash + "withECDSAinP1363Format", ec.getPrivate());
      assertTrue(b.verifyEcdsaP1363(hash, ec.getPublic(), MESSAGE, p1363));
      byte[] other = sign(b, hash + "withECDSAinP1363Format", ec.getPrivate());
      assertTrue(a.verifyEcdsaP1363(hash, ec.getPublic(), MESSAGE, other));
      p1363[3] ^= 1;
      assertFalse(b.verifyEcdsaP1363(hash, ec.getPublic(), MESSAGE, p1363));
      assertFalse(a.verifyEcdsaP1363(hash, ec.getPublic(), MESSAGE, p1363));
    }
    // AES-GCM: same key and IV, same bytes
    assertArrayEquals(gcm(a), gcm(b));
  }

  private static KeyPair pair(Crypto c, String alg) throws GeneralSecurityException {
    return pair(c, alg, "secp256r1");
  }

  private static KeyPair pair(Crypto c, String alg, String curve) throws GeneralSecurityException {
    KeyPairGenerator g = c.keyPairGenerator(alg);
    if (alg.equals("EC")) {
      g.initialize(new ECGenParameterSpec(curve));
    }
    return g.generateKeyPair();
  }

  private static byte[] ecdh(Crypto c, PrivateKey k, PublicKey p) throws GeneralSecurityException {
    KeyAgreement ka = c.keyAgreement("ECDH");
    ka.init(k);
    ka.doPhase(p, true);
    return ka.generateSecret();
  }

  private static byte[] sign(Crypto c, String alg, PrivateKey k) throws GeneralSecurityException {
    Signature s = c.signature(alg);
    s.initSign(k);
    s.update(MESSAGE);
    return s.sign();
  }

  private static byte[] gcm(Crypto c) throws GeneralSecurityException {
    Cipher cipher = c.cipher("AES/GCM/NoPadding");
    cipher.init(
        Cipher.ENCRYPT_MODE,
        new SecretKeySpec(HexFormat.of().parseHex("00".repeat(32)), "AES"),
        new GCMParameterSpec(128, new byte[12]));
    cipher.updateAAD(MESSAGE);
    return cipher.doFinal(MESSAGE);
  }
}
