package dev.sovereign.attestation.internal;

import dev.sovereign.crypto.Crypto;
import java.math.BigInteger;
import java.security.InvalidKeyException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.jcajce.provider.asymmetric.util.ECUtil;
import org.bouncycastle.util.BigIntegers;

/**
 * ECDSA on P-384 with SHA-384 (COSE {@code ES384}, X.509 {@code ecdsa-with-SHA384}). Verification
 * goes through {@link Crypto#system()} (AWS-LC where it loads, the pure-Java fallback elsewhere);
 * signing (the simulated NSM, tests) stays on Bouncy Castle's deterministic RFC 6979 signer, so a
 * simulated document has the same bytes on every backend. Internal: not part of the public API; the
 * attestation codec and verifier use it, and so do benchmarks.
 */
public final class Es384 {
  /** Length of an IEEE P1363 signature: r || s, 48 bytes each. */
  public static final int SIGNATURE_BYTES = 96;

  private static final X9ECParameters X9 =
      ECNamedCurveTable.getByOID(SECObjectIdentifiers.secp384r1);

  /** The P-384 domain parameters. */
  public static final ECDomainParameters P384 =
      new ECNamedDomainParameters(SECObjectIdentifiers.secp384r1, X9);

  private Es384() {}

  /**
   * Verifies an IEEE P1363 (r || s) signature over {@code message} with {@code crypto}. Returns
   * false for a signature of the wrong length, r or s outside [1, n-1], or a signature that does
   * not verify. Never throws for bad input. {@code key} must be a P-384 key (see {@link
   * #jcaPublicKey}).
   */
  public static boolean verifyP1363(
      Crypto crypto, PublicKey key, byte[] message, byte[] signature) {
    if (signature == null || signature.length != SIGNATURE_BYTES) {
      return false;
    }
    BigInteger r = BigIntegers.fromUnsignedByteArray(signature, 0, 48);
    BigInteger s = BigIntegers.fromUnsignedByteArray(signature, 48, 48);
    return inRange(r, s) && crypto.verifyEcdsaP1363("SHA384", key, message, signature);
  }

  /** {@link #verifyP1363(Crypto, PublicKey, byte[], byte[])} with the system's choice. */
  public static boolean verifyP1363(PublicKey key, byte[] message, byte[] signature) {
    return verifyP1363(Crypto.system(), key, message, signature);
  }

  /**
   * Verifies a signature given as integers (as decoded from an X.509 ECDSA-Sig-Value) with the
   * system's choice.
   */
  public static boolean verify(PublicKey key, byte[] message, BigInteger r, BigInteger s) {
    if (!inRange(r, s)) {
      return false;
    }
    byte[] p1363 = new byte[SIGNATURE_BYTES];
    BigIntegers.asUnsignedByteArray(r, p1363, 0, 48);
    BigIntegers.asUnsignedByteArray(s, p1363, 48, 48);
    return Crypto.system().verifyEcdsaP1363("SHA384", key, message, p1363);
  }

  private static boolean inRange(BigInteger r, BigInteger s) {
    BigInteger n = P384.getN();
    return r.signum() > 0 && s.signum() > 0 && r.compareTo(n) < 0 && s.compareTo(n) < 0;
  }

  /**
   * A P-384 public key as a key of {@code crypto}'s provider, from a SubjectPublicKeyInfo that has
   * already been checked to name P-384; built once per certificate, not per signature.
   */
  public static PublicKey jcaPublicKey(Crypto crypto, byte[] subjectPublicKeyInfo)
      throws InvalidKeyException {
    try {
      PublicKey k =
          crypto.keyFactory("EC").generatePublic(new X509EncodedKeySpec(subjectPublicKeyInfo));
      if (!(k instanceof ECPublicKey ec) || ec.getParams().getOrder().bitLength() != 384) {
        throw new InvalidKeyException("key is not on P-384");
      }
      return k;
    } catch (java.security.GeneralSecurityException e) {
      throw new InvalidKeyException("not an EC P-384 public key", e);
    }
  }

  /** Signs {@code message}; deterministic (RFC 6979 nonces), IEEE P1363 output of 96 bytes. */
  public static byte[] signP1363(ECPrivateKeyParameters key, byte[] message) {
    checkCurve(key);
    ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA384Digest()));
    signer.init(true, key);
    BigInteger[] rs = signer.generateSignature(sha384(message));
    byte[] out = new byte[SIGNATURE_BYTES];
    BigIntegers.asUnsignedByteArray(rs[0], out, 0, 48);
    BigIntegers.asUnsignedByteArray(rs[1], out, 48, 48);
    return out;
  }

  /** Converts a JCA P-384 public key (any provider); rejects other curves and key types. */
  public static ECPublicKeyParameters publicKey(PublicKey key) throws InvalidKeyException {
    AsymmetricKeyParameter p = ECUtil.generatePublicKeyParameter(key);
    if (!(p instanceof ECPublicKeyParameters)) {
      throw new InvalidKeyException("not an EC public key");
    }
    ECPublicKeyParameters ec = (ECPublicKeyParameters) p;
    requireP384(ec.getParameters());
    return new ECPublicKeyParameters(ec.getQ(), P384);
  }

  /**
   * Converts a JCA P-384 private key (any provider that exposes the scalar); rejects other curves.
   */
  public static ECPrivateKeyParameters privateKey(PrivateKey key) throws InvalidKeyException {
    AsymmetricKeyParameter p = ECUtil.generatePrivateKeyParameter(key);
    if (!(p instanceof ECPrivateKeyParameters)) {
      throw new InvalidKeyException("not an EC private key");
    }
    ECPrivateKeyParameters ec = (ECPrivateKeyParameters) p;
    requireP384(ec.getParameters());
    return new ECPrivateKeyParameters(ec.getD(), P384);
  }

  /** True when {@code params} are the P-384 domain parameters. */
  public static boolean isP384(ECDomainParameters params) {
    return params != null
        && params.getCurve().equals(P384.getCurve())
        && params.getG().equals(P384.getG())
        && params.getN().equals(P384.getN());
  }

  /** SHA-384 of {@code data}. */
  public static byte[] sha384(byte[] data) {
    SHA384Digest d = new SHA384Digest();
    d.update(data, 0, data.length);
    byte[] out = new byte[48];
    d.doFinal(out, 0);
    return out;
  }

  private static void requireP384(ECDomainParameters params) throws InvalidKeyException {
    if (!isP384(params)) {
      throw new InvalidKeyException("key is not on P-384");
    }
  }

  private static void checkCurve(org.bouncycastle.crypto.params.ECKeyParameters key) {
    if (!isP384(key.getParameters())) {
      throw new IllegalArgumentException("key is not on P-384");
    }
  }

  /** Constant-time comparison of two byte arrays (length is not secret). */
  public static boolean constantTimeEquals(byte[] a, byte[] b) {
    return a != null && b != null && java.security.MessageDigest.isEqual(a, b);
  }
}
