package dev.sovereign.vc;

import dev.sovereign.did.KeyType;
import java.math.BigInteger;
import java.security.SecureRandom;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.util.BigIntegers;

/**
 * {@link CredentialSigner}s over private keys held in this process (Bouncy Castle; RFC 6979 nonces
 * for ECDSA).
 */
public final class LocalSigners {
  private LocalSigners() {}

  /** Ed25519 from a 32-byte seed. */
  public static CredentialSigner ed25519(byte[] seed, String keyId) {
    Ed25519PrivateKeyParameters sk = new Ed25519PrivateKeyParameters(seed.clone(), 0);
    return new Local(JwsAlgorithm.EdDSA, keyId) {
      @Override
      public byte[] sign(byte[] input) {
        Ed25519Signer s = new Ed25519Signer();
        s.init(true, sk);
        s.update(input, 0, input.length);
        return s.generateSignature();
      }
    };
  }

  /** ES256 (P-256) from a 32-byte private scalar. */
  public static CredentialSigner es256(byte[] privateScalar, String keyId) {
    return ecdsa(JwsAlgorithm.ES256, KeyType.P256, privateScalar, keyId);
  }

  /** ES256K (secp256k1) from a 32-byte private scalar; emits low-S signatures as did-jwt does. */
  public static CredentialSigner es256k(byte[] privateScalar, String keyId) {
    return ecdsa(JwsAlgorithm.ES256K, KeyType.SECP256K1, privateScalar, keyId);
  }

  private static CredentialSigner ecdsa(JwsAlgorithm alg, KeyType type, byte[] d, String keyId) {
    var domain = Curves.domain(type);
    ECPrivateKeyParameters sk = new ECPrivateKeyParameters(new BigInteger(1, d), domain);
    return new Local(alg, keyId) {
      @Override
      public byte[] sign(byte[] input) {
        ECDSASigner s = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        s.init(true, sk);
        BigInteger[] rs = s.generateSignature(JwsSignatures.sha256(input));
        BigInteger sv = rs[1];
        BigInteger n = domain.getN();
        if (sv.compareTo(n.shiftRight(1)) > 0) {
          sv = n.subtract(sv);
        }
        byte[] out = new byte[64];
        System.arraycopy(BigIntegers.asUnsignedByteArray(32, rs[0]), 0, out, 0, 32);
        System.arraycopy(BigIntegers.asUnsignedByteArray(32, sv), 0, out, 32, 32);
        return out;
      }
    };
  }

  /** A fresh random 32-byte private key (seed or scalar) for the given key type. */
  public static byte[] generatePrivateKey(KeyType type, SecureRandom random) {
    if (type == KeyType.ED25519) {
      byte[] seed = new byte[32];
      random.nextBytes(seed);
      return seed;
    }
    BigInteger n = Curves.domain(type).getN();
    BigInteger d;
    do {
      d = BigIntegers.createRandomBigInteger(256, random);
    } while (d.signum() == 0 || d.compareTo(n) >= 0);
    return BigIntegers.asUnsignedByteArray(32, d);
  }

  /** The public key of a private key produced by {@link #generatePrivateKey}. */
  public static VerificationKey publicKeyOf(KeyType type, byte[] privateKey) {
    if (type == KeyType.ED25519) {
      return VerificationKey.ed25519(
          new Ed25519PrivateKeyParameters(privateKey, 0).generatePublicKey().getEncoded());
    }
    var domain = Curves.domain(type);
    var q = domain.getG().multiply(new BigInteger(1, privateKey)).normalize();
    return VerificationKey.ec(type, q.getEncoded(true));
  }

  private abstract static class Local implements CredentialSigner {
    private final JwsAlgorithm alg;
    private final String keyId;

    Local(JwsAlgorithm alg, String keyId) {
      this.alg = alg;
      this.keyId = keyId;
    }

    @Override
    public JwsAlgorithm algorithm() {
      return alg;
    }

    @Override
    public String keyId() {
      return keyId;
    }

    @Override
    public String toString() {
      return "LocalSigner[" + alg.joseName() + ", " + keyId + "]";
    }
  }
}
