package dev.sovereign.did.internal;

import dev.sovereign.crypto.Crypto;
import dev.sovereign.did.KeyType;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;
import org.bouncycastle.jce.spec.ECPublicKeySpec;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Public key encodings with Bouncy Castle: validation (on-curve, not infinity, Ed25519 full
 * validation), SEC1 compression, JWK coordinates, {@link PublicKey} construction and the birational
 * map from Ed25519 to X25519 (RFC 7748 section 4.1). The BC provider is used as an object, never
 * installed globally.
 */
public final class KeyCodec {
  private KeyCodec() {}

  /** The Bouncy Castle provider instance all conversions use. */
  public static final BouncyCastleProvider BC = new BouncyCastleProvider();

  private static final ASN1ObjectIdentifier ID_ED25519 = new ASN1ObjectIdentifier("1.3.101.112");
  private static final ASN1ObjectIdentifier ID_X25519 = new ASN1ObjectIdentifier("1.3.101.110");

  // 2^255 - 19
  private static final BigInteger P25519 =
      BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));

  /**
   * Validates a public key and returns its canonical encoding: raw 32 bytes for OKP types, SEC1
   * compressed for EC types (uncompressed input is accepted and compressed).
   *
   * @throws IllegalArgumentException naming what is wrong (length, off-curve, infinity, small
   *     order)
   */
  public static byte[] canonicalize(KeyType type, byte[] encoded) {
    switch (type) {
      case ED25519:
        if (encoded.length != 32) {
          throw new IllegalArgumentException(
              "invalidPublicKeyLength: Ed25519 keys are 32 bytes, got " + encoded.length);
        }
        if (!Ed25519.validatePublicKeyFull(encoded, 0)) {
          throw new IllegalArgumentException(
              "invalidPublicKey: not a valid Ed25519 point of prime order");
        }
        return encoded.clone();
      case X25519:
        if (encoded.length != 32) {
          throw new IllegalArgumentException(
              "invalidPublicKeyLength: X25519 keys are 32 bytes, got " + encoded.length);
        }
        return encoded.clone();
      default:
        return ecPoint(type, encoded).getEncoded(true);
    }
  }

  /**
   * Decodes and validates a SEC1 point (compressed or uncompressed) on the curve of {@code type}.
   */
  public static ECPoint ecPoint(KeyType type, byte[] encoded) {
    X9ECParameters params = curve(type);
    int fieldBytes = (params.getCurve().getFieldSize() + 7) / 8;
    boolean compressed = encoded.length == fieldBytes + 1 && (encoded[0] == 2 || encoded[0] == 3);
    boolean uncompressed = encoded.length == 2 * fieldBytes + 1 && encoded[0] == 4;
    if (!compressed && !uncompressed) {
      throw new IllegalArgumentException(
          "invalidPublicKeyLength: not a SEC1 "
              + type.jwkCrv()
              + " point (length "
              + encoded.length
              + ")");
    }
    ECPoint p;
    try {
      p = params.getCurve().decodePoint(encoded);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new IllegalArgumentException("invalidPublicKey: point is not on " + type.jwkCrv());
    }
    if (p.isInfinity() || !p.isValid()) {
      throw new IllegalArgumentException(
          "invalidPublicKey: point is not a valid " + type.jwkCrv() + " point");
    }
    return p.normalize();
  }

  /** The EC point from JWK coordinates (unpadded fixed-length big-endian). */
  public static byte[] fromJwkCoordinates(KeyType type, byte[] x, byte[] y) {
    X9ECParameters params = curve(type);
    int fieldBytes = (params.getCurve().getFieldSize() + 7) / 8;
    if (x.length != fieldBytes || y.length != fieldBytes) {
      throw new IllegalArgumentException(
          "invalidPublicKeyLength: JWK coordinates of "
              + type.jwkCrv()
              + " must be "
              + fieldBytes
              + " bytes");
    }
    byte[] sec1 = new byte[1 + 2 * fieldBytes];
    sec1[0] = 4;
    System.arraycopy(x, 0, sec1, 1, fieldBytes);
    System.arraycopy(y, 0, sec1, 1 + fieldBytes, fieldBytes);
    return canonicalize(type, sec1);
  }

  /** JWK {@code x} and {@code y} of a compressed EC point, each fixed length. */
  public static byte[][] jwkCoordinates(KeyType type, byte[] compressed) {
    ECPoint p = ecPoint(type, compressed);
    byte[] u = p.getEncoded(false);
    int n = (u.length - 1) / 2;
    return new byte[][] {Arrays.copyOfRange(u, 1, 1 + n), Arrays.copyOfRange(u, 1 + n, u.length)};
  }

  /** SEC1 uncompressed encoding (0x04 || x || y) of a compressed EC point. */
  public static byte[] uncompressed(KeyType type, byte[] compressed) {
    return ecPoint(type, compressed).getEncoded(false);
  }

  /**
   * A {@link PublicKey} for a canonical key of {@code type}: Ed25519 and NIST curves as keys of the
   * system's crypto provider ({@link Crypto#system()}, which verifies with them), X25519 and
   * secp256k1 from the BC provider.
   */
  public static PublicKey toPublicKey(KeyType type, byte[] canonical) {
    try {
      switch (type) {
        case ED25519:
          return Crypto.system().ed25519PublicKey(canonical);
        case X25519:
          return KeyFactory.getInstance("X25519", BC)
              .generatePublic(new X509EncodedKeySpec(spki(ID_X25519, canonical)));
        default:
          X9ECParameters params = curve(type);
          ECNamedCurveParameterSpec spec =
              new ECNamedCurveParameterSpec(
                  curveName(type),
                  params.getCurve(),
                  params.getG(),
                  params.getN(),
                  params.getH(),
                  params.getSeed());
          PublicKey bc =
              KeyFactory.getInstance("EC", BC)
                  .generatePublic(new ECPublicKeySpec(ecPoint(type, canonical), spec));
          return type == KeyType.SECP256K1 ? bc : Crypto.system().own(bc);
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Bouncy Castle cannot build a " + type + " key", e);
    }
  }

  /**
   * The key type and canonical bytes of a {@link PublicKey} (Ed25519, X25519 or one of our EC
   * curves).
   */
  public static Object[] fromPublicKey(PublicKey key) {
    SubjectPublicKeyInfo info = SubjectPublicKeyInfo.getInstance(key.getEncoded());
    ASN1ObjectIdentifier alg = info.getAlgorithm().getAlgorithm();
    byte[] bits = info.getPublicKeyData().getBytes();
    if (alg.equals(ID_ED25519)) {
      return new Object[] {KeyType.ED25519, canonicalize(KeyType.ED25519, bits)};
    }
    if (alg.equals(ID_X25519)) {
      return new Object[] {KeyType.X25519, canonicalize(KeyType.X25519, bits)};
    }
    if (key instanceof ECPublicKey) {
      for (KeyType t : KeyType.values()) {
        if (t.isEc()) {
          X9ECParameters p = curve(t);
          java.security.spec.ECParameterSpec s = ((ECPublicKey) key).getParams();
          if (s.getOrder().equals(p.getN())
              && s.getGenerator()
                  .getAffineX()
                  .equals(p.getG().normalize().getAffineXCoord().toBigInteger())) {
            return new Object[] {t, canonicalize(t, bits)};
          }
        }
      }
    }
    throw new IllegalArgumentException("unsupported public key algorithm " + key.getAlgorithm());
  }

  /**
   * The X25519 public key birationally equivalent to an Ed25519 public key: {@code u = (1 + y) / (1
   * - y) mod p} (RFC 7748 section 4.1), little-endian. The input must already be a validated
   * Ed25519 key ({@link #canonicalize}).
   */
  public static byte[] ed25519ToX25519(byte[] ed25519) {
    if (ed25519.length != 32) {
      throw new IllegalArgumentException("invalidPublicKeyLength: Ed25519 keys are 32 bytes");
    }
    byte[] le = ed25519.clone();
    le[31] &= 0x7f;
    BigInteger y = new BigInteger(1, reverse(le));
    BigInteger oneMinusY = BigInteger.ONE.subtract(y).mod(P25519);
    if (oneMinusY.signum() == 0) {
      throw new IllegalArgumentException(
          "invalidPublicKey: Ed25519 point has no X25519 equivalent");
    }
    BigInteger u = BigInteger.ONE.add(y).multiply(oneMinusY.modInverse(P25519)).mod(P25519);
    byte[] be = u.toByteArray();
    byte[] out = new byte[32];
    for (int i = 0; i < 32 && i < be.length; i++) {
      out[i] = be[be.length - 1 - i];
    }
    return out;
  }

  private static byte[] spki(ASN1ObjectIdentifier oid, byte[] raw) {
    try {
      return new SubjectPublicKeyInfo(new AlgorithmIdentifier(oid), raw).getEncoded();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X9ECParameters curve(KeyType type) {
    X9ECParameters p = CustomNamedCurves.getByName(curveName(type));
    if (p == null) {
      throw new IllegalArgumentException("not an EC key type: " + type);
    }
    return p;
  }

  private static String curveName(KeyType type) {
    switch (type) {
      case P256:
        return "secp256r1";
      case P384:
        return "secp384r1";
      case P521:
        return "secp521r1";
      case SECP256K1:
        return "secp256k1";
      default:
        throw new IllegalArgumentException("not an EC key type: " + type);
    }
  }

  private static byte[] reverse(byte[] b) {
    byte[] r = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      r[i] = b[b.length - 1 - i];
    }
    return r;
  }
}
