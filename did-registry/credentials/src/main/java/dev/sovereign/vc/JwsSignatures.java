package dev.sovereign.vc;

import dev.sovereign.crypto.Crypto;
import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.KeccakDigest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.BigIntegers;

/**
 * Raw JWS signature checks. EdDSA and ES256 go through {@link Crypto#system()} (AWS-LC where it
 * loads, the pure-Java fallback elsewhere) with a key built once per {@link VerificationKey};
 * secp256k1 ({@code ES256K}, {@code ES256K-R}, did:ethr) stays on Bouncy Castle's lightweight API,
 * which also recovers keys. Each method answers only whether the bytes verify; callers turn a
 * {@code false} into a typed rejection.
 */
final class JwsSignatures {
  private JwsSignatures() {}

  /**
   * Verifies {@code sig} over {@code input}; the algorithm must be the one fixed for the key type.
   */
  static boolean verify(VerificationKey key, JwsAlgorithm alg, byte[] input, byte[] sig) {
    if (!ExpectedAlgorithms.admits(key.type(), alg)) {
      return false;
    }
    return switch (alg) {
      case EdDSA -> Crypto.system().verifyEd25519(key.jcaKey(), input, sig);
      case ES256 ->
          sig.length == 64 && Crypto.system().verifyEcdsaP1363("SHA256", key.jcaKey(), input, sig);
      case ES256K -> ecdsa((ECPublicKeyParameters) key.params(), sha256(input), sig);
      case ES256K_R -> recoverable(key, input, sig);
    };
  }

  static boolean ecdsa(ECPublicKeyParameters pub, byte[] hash, byte[] sig) {
    if (sig.length != 64) {
      return false;
    }
    BigInteger r = BigIntegers.fromUnsignedByteArray(sig, 0, 32);
    BigInteger s = BigIntegers.fromUnsignedByteArray(sig, 32, 32);
    ECDSASigner v = new ECDSASigner();
    v.init(false, pub);
    return v.verifySignature(hash, r, s); // rejects r, s outside [1, n-1]
  }

  /**
   * Verifies against an Ethereum address by key recovery (did-jwt's rule for blockchainAccountId
   * methods).
   */
  static boolean verifyByAddress(String address, JwsAlgorithm alg, byte[] input, byte[] sig) {
    byte[] hash = sha256(input);
    if (alg == JwsAlgorithm.ES256K_R && sig.length == 65) {
      ECPoint q = recover(hash, Arrays.copyOf(sig, 64), sig[64] & 0xff);
      return q != null && ethereumAddress(q).equals(address);
    }
    if (alg == JwsAlgorithm.ES256K && sig.length == 64) {
      for (int v = 0; v <= 1; v++) {
        ECPoint q = recover(hash, sig, v);
        if (q != null && ethereumAddress(q).equals(address)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean recoverable(VerificationKey key, byte[] input, byte[] sig) {
    if (sig.length != 65) {
      return false;
    }
    ECPoint q = recover(sha256(input), Arrays.copyOf(sig, 64), sig[64] & 0xff);
    return q != null && q.equals(((ECPublicKeyParameters) key.params()).getQ());
  }

  /**
   * SEC 1 v2 section 4.1.6 public key recovery on secp256k1; {@code v} is 0/1 (27/28 accepted).
   * Returns null when the signature does not yield a point.
   */
  static ECPoint recover(byte[] hash, byte[] rs, int v) {
    int recId = v >= 27 ? v - 27 : v;
    if (recId < 0 || recId > 1 || rs.length != 64) {
      return null;
    }
    ECDomainParameters d = Curves.SECP256K1;
    BigInteger n = d.getN();
    BigInteger r = BigIntegers.fromUnsignedByteArray(rs, 0, 32);
    BigInteger s = BigIntegers.fromUnsignedByteArray(rs, 32, 32);
    if (r.signum() <= 0 || r.compareTo(n) >= 0 || s.signum() <= 0 || s.compareTo(n) >= 0) {
      return null;
    }
    byte[] xEnc = new byte[33];
    xEnc[0] = (byte) (recId == 0 ? 0x02 : 0x03);
    System.arraycopy(BigIntegers.asUnsignedByteArray(32, r), 0, xEnc, 1, 32);
    ECPoint rPoint;
    try {
      rPoint = d.getCurve().decodePoint(xEnc);
    } catch (IllegalArgumentException e) {
      return null;
    }
    BigInteger e = new BigInteger(1, hash);
    BigInteger rInv = r.modInverse(n);
    BigInteger u1 = n.subtract(e).multiply(rInv).mod(n);
    BigInteger u2 = s.multiply(rInv).mod(n);
    ECPoint q = ECAlgorithms.sumOfTwoMultiplies(d.getG(), u1, rPoint, u2).normalize();
    return q.isInfinity() ? null : q;
  }

  /** Lower-case {@code 0x}-prefixed Ethereum address of an uncompressed secp256k1 point. */
  static String ethereumAddress(ECPoint q) {
    byte[] uncompressed = q.normalize().getEncoded(false);
    KeccakDigest k = new KeccakDigest(256);
    k.update(uncompressed, 1, 64);
    byte[] h = new byte[32];
    k.doFinal(h, 0);
    StringBuilder sb = new StringBuilder("0x");
    for (int i = 12; i < 32; i++) {
      sb.append(Character.forDigit((h[i] >> 4) & 0xf, 16))
          .append(Character.forDigit(h[i] & 0xf, 16));
    }
    return sb.toString();
  }

  static byte[] sha256(byte[] input) {
    SHA256Digest d = new SHA256Digest();
    d.update(input, 0, input.length);
    byte[] out = new byte[32];
    d.doFinal(out, 0);
    return out;
  }
}
