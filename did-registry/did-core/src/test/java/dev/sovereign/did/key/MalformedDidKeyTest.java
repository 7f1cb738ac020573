package dev.sovereign.did.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovereign.did.DidResolutionResult;
import dev.sovereign.did.DidResolver;
import dev.sovereign.did.DidResolvers;
import dev.sovereign.did.InvalidDidException;
import dev.sovereign.did.KeyType;
import dev.sovereign.did.PublicKeyMaterial;
import dev.sovereign.did.ResolutionError;
import dev.sovereign.did.ResolutionOptions;
import dev.sovereign.did.multiformats.Base58Btc;
import dev.sovereign.did.multiformats.Multicodec;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MalformedDidKeyTest {
  private static final DidResolver RESOLVER = DidResolvers.builder().withDidKey().build();
  private static final String GOOD = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp";

  private static void assertInvalidDid(String did, String messagePart) {
    DidResolutionResult r = RESOLVER.resolve(did);
    assertEquals(
        ResolutionError.INVALID_DID, r.error().orElseThrow(), () -> did + " was not rejected");
    assertTrue(r.didDocument().isEmpty());
    String message = r.didResolutionMetadata().errorMessage().orElse("");
    assertTrue(
        message.contains(messagePart),
        () -> "message '" + message + "' lacks '" + messagePart + "'");
  }

  private static String didKey(int codec, byte[] payload) {
    return "did:key:z" + Base58Btc.encode(Multicodec.prefix(codec, payload));
  }

  @Test
  void aDidKeyWithAMultibasePrefixOtherThanZIsInvalid() {
    assertInvalidDid(
        "did:key:f" + HexFormat.of().formatHex(Multicodec.prefix(0xed, new byte[32])), "'z'");
    assertInvalidDid("did:key:" + GOOD.substring(9), "'z'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "O", "I", "l"})
  void aDidKeyWithACharacterOutsideTheBase58AlphabetIsInvalid(String bad) {
    assertInvalidDid(GOOD.substring(0, 20) + bad + GOOD.substring(21), "base58");
  }

  @Test
  void aDidKeyWithAnUnknownMulticodecIsInvalid() {
    assertInvalidDid(didKey(0x12, new byte[32]), "invalidPublicKeyType");
  }

  @Test
  void aDidKeyWithATruncatedVarintIsInvalid() {
    assertInvalidDid("did:key:z" + Base58Btc.encode(new byte[] {(byte) 0xed}), "truncated");
  }

  @Test
  void anEd25519DidKeyOfThirtyOneOrThirtyThreeBytesIsInvalid() {
    byte[] key = DidKey.decode(GOOD).canonicalBytes();
    assertInvalidDid(didKey(0xed, Arrays.copyOf(key, 31)), "invalidPublicKeyLength");
    assertInvalidDid(didKey(0xed, Arrays.copyOf(key, 33)), "invalidPublicKeyLength");
  }

  @Test
  void aP256DidKeyWithAnUncompressedPointIsInvalid() {
    PublicKeyMaterial p256 =
        DidKey.decode("did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv");
    assertInvalidDid(didKey(0x1200, p256.uncompressedBytes()), "invalidPublicKeyLength");
  }

  @Test
  void p256AndSecp256k1DidKeysWhoseXIsNotOnTheCurveAreInvalid() {
    assertInvalidDid(didKey(0x1200, offCurve("secp256r1")), "invalidPublicKey");
    assertInvalidDid(didKey(0xe7, offCurve("secp256k1")), "invalidPublicKey");
  }

  @Test
  void aCompressedPointWithABadPrefixByteIsInvalid() {
    byte[] k =
        DidKey.decode("did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv").canonicalBytes();
    k[0] = 0x05;
    assertInvalidDid(didKey(0x1200, k), "invalidPublicKey");
  }

  @Test
  void anEd25519DidKeyOfTheIdentityPointIsInvalid() {
    byte[] identity = new byte[32];
    identity[0] = 1;
    assertInvalidDid(didKey(0xed, identity), "invalidPublicKey");
  }

  @Test
  void anEd25519DidKeyWithANonCanonicalYIsInvalid() {
    byte[] y = new byte[32];
    Arrays.fill(y, (byte) 0xff);
    y[31] = 0x7f; // y = 2^255 - 1 >= p
    assertInvalidDid(didKey(0xed, y), "invalidPublicKey");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "did:key:z",
        "did:key:1:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
        "did:key:"
      })
  void emptyOrVersionedDidKeysAreInvalid(String did) {
    assertEquals(ResolutionError.INVALID_DID, RESOLVER.resolve(did).error().orElseThrow());
  }

  @Test
  void decodingAMalformedDidKeyThrowsInvalidDidWithTheReason() {
    InvalidDidException e =
        assertThrows(InvalidDidException.class, () -> DidKey.decode(didKey(0xed, new byte[5])));
    assertEquals(ResolutionError.INVALID_DID, e.reason());
  }

  @Test
  void aDidKeyAskedForAVersionIdIsNotFoundBecauseDidKeyHasNoVersions() {
    assertEquals(
        ResolutionError.NOT_FOUND,
        RESOLVER.resolve(GOOD, ResolutionOptions.atVersion("1")).error().orElseThrow());
  }

  @Test
  void aDidKeyAskedForAFormatThatCannotExpressItsKeyIsInvalidOptions() {
    assertEquals(
        ResolutionError.INVALID_OPTIONS,
        RESOLVER
            .resolve(
                GOOD,
                ResolutionOptions.latest()
                    .withParameter(ResolutionOptions.PUBLIC_KEY_FORMAT, "P256Key2021"))
            .error()
            .orElseThrow());
    assertEquals(
        ResolutionError.INVALID_OPTIONS,
        RESOLVER
            .resolve(
                GOOD,
                ResolutionOptions.latest()
                    .withParameter(ResolutionOptions.PUBLIC_KEY_FORMAT, "RsaVerificationKey2018"))
            .error()
            .orElseThrow());
  }

  @Test
  void anX25519DidKeyResolvesToAKeyAgreementOnlyDocument() {
    PublicKeyMaterial x = DidKey.decode(GOOD).toX25519();
    var doc = RESOLVER.resolve(DidKey.fromKey(x).toString()).didDocument().orElseThrow();
    assertEquals(1, doc.verificationMethods().size());
    assertEquals(KeyType.X25519, doc.verificationMethods().get(0).keyType().orElseThrow());
    assertTrue(doc.relationship(dev.sovereign.did.Relationship.ASSERTION_METHOD).isEmpty());
    assertEquals(1, doc.relationship(dev.sovereign.did.Relationship.KEY_AGREEMENT).size());
  }

  /** A compressed encoding whose x has no y on the curve (found by search, checked by BC). */
  private static byte[] offCurve(String curve) {
    X9ECParameters p = CustomNamedCurves.getByName(curve);
    int len = (p.getCurve().getFieldSize() + 7) / 8;
    for (int x = 1; ; x++) {
      byte[] enc = new byte[len + 1];
      enc[0] = 0x02;
      byte[] xb = BigInteger.valueOf(x).toByteArray();
      System.arraycopy(xb, 0, enc, enc.length - xb.length, xb.length);
      try {
        p.getCurve().decodePoint(enc);
      } catch (IllegalArgumentException e) {
        return enc;
      }
    }
  }
}
