package dev.sovereign.vc;

import dev.sovereign.did.KeyType;
import java.io.IOException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.util.PublicKeyFactory;

/**
 * A public key reduced to what the Bouncy Castle lightweight verifiers need, with its {@link
 * KeyType}. Built once per key from any provider's {@link PublicKey} (its X.509
 * SubjectPublicKeyInfo encoding).
 */
public final class VerificationKey {
  private final KeyType type;
  private final AsymmetricKeyParameter params;
  private final byte[] encoded;
  private volatile PublicKey jca;
  private static final String P256_SPKI_PREFIX =
      "3059301306072a8648ce3d020106082a8648ce3d030107034200"; // built on first use with the

  // system's crypto provider

  private VerificationKey(KeyType type, AsymmetricKeyParameter params, byte[] encoded) {
    this.type = type;
    this.params = params;
    this.encoded = encoded;
  }

  /** Reads a JCA public key; only Ed25519, P-256 and secp256k1 keys are accepted. */
  public static VerificationKey of(PublicKey key) {
    byte[] spki = key.getEncoded();
    if (spki == null) {
      throw new IllegalArgumentException("public key has no X.509 encoding: " + key.getAlgorithm());
    }
    AsymmetricKeyParameter p;
    try {
      p = PublicKeyFactory.createKey(spki);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("unsupported public key: " + key.getAlgorithm(), e);
    }
    if (p instanceof Ed25519PublicKeyParameters) {
      return new VerificationKey(KeyType.ED25519, p, spki);
    }
    if (p instanceof ECPublicKeyParameters ec) {
      KeyType t = Curves.keyTypeOf(ec.getParameters());
      // Re-home the point on Bouncy Castle's custom (fast) curve implementation.
      var domain = Curves.domain(t);
      var q = domain.getCurve().decodePoint(ec.getQ().getEncoded(false));
      return new VerificationKey(t, new ECPublicKeyParameters(q, domain), spki);
    }
    if (key instanceof ECPublicKey) {
      throw new IllegalArgumentException("unsupported curve");
    }
    throw new IllegalArgumentException("unsupported key type: " + key.getAlgorithm());
  }

  /** Raw Ed25519 public key (32 bytes). */
  public static VerificationKey ed25519(byte[] raw) {
    Ed25519PublicKeyParameters p = new Ed25519PublicKeyParameters(raw, 0);
    return new VerificationKey(KeyType.ED25519, p, raw.clone());
  }

  /** SEC1-encoded (compressed or uncompressed) P-256 or secp256k1 point. */
  public static VerificationKey ec(KeyType type, byte[] sec1) {
    var domain = Curves.domain(type);
    var point = domain.getCurve().decodePoint(sec1);
    return new VerificationKey(type, new ECPublicKeyParameters(point, domain), sec1.clone());
  }

  public KeyType type() {
    return type;
  }

  AsymmetricKeyParameter params() {
    return params;
  }

  /** Uncompressed SEC1 point for EC keys, raw 32 bytes for Ed25519. */
  public byte[] rawPublicKey() {
    if (params instanceof Ed25519PublicKeyParameters ed) {
      return ed.getEncoded();
    }
    return ((ECPublicKeyParameters) params).getQ().getEncoded(false);
  }

  /** Same key material (constant-time is not needed: public keys). */
  public boolean equalsKey(VerificationKey other) {
    return other != null
        && type == other.type
        && Arrays.equals(rawPublicKey(), other.rawPublicKey());
  }

  @Override
  public String toString() {
    return "VerificationKey[" + type + "]";
  }

  /**
   * The key for {@link dev.sovereign.crypto.Crypto#system()}'s provider (Ed25519 and P-256), built
   * once: a verification then costs no key parsing.
   */
  PublicKey jcaKey() {
    PublicKey k = jca;
    if (k == null) {
      var crypto = dev.sovereign.crypto.Crypto.system();
      try {
        if (type == KeyType.ED25519) {
          k = crypto.ed25519PublicKey(rawPublicKey());
        } else if (type == KeyType.P256) {
          // named-curve SubjectPublicKeyInfo (AWS-LC refuses explicit curve parameters)
          byte[] prefix = java.util.HexFormat.of().parseHex(P256_SPKI_PREFIX);
          byte[] point = rawPublicKey();
          byte[] spki = Arrays.copyOf(prefix, prefix.length + point.length);
          System.arraycopy(point, 0, spki, prefix.length, point.length);
          k = crypto.keyFactory("EC").generatePublic(new X509EncodedKeySpec(spki));
        } else {
          throw new IllegalStateException(type + " keys are verified on Bouncy Castle directly");
        }
      } catch (java.security.GeneralSecurityException e) {
        throw new IllegalStateException("a parsed " + type + " key did not re-encode", e);
      }
      jca = k;
    }
    return k;
  }

  byte[] encodedForCache() {
    return encoded;
  }
}
