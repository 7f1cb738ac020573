package dev.sovereign.did.fabric.core;

import java.math.BigInteger;
import java.security.SecureRandom;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;

/** A controller key held in process memory (tests, the CLI's local key files). */
public final class SoftwareControllerKey implements ControllerSigner {
  private final Multikey.Type type;
  private final byte[] secret;
  private final Multikey publicKey;

  private SoftwareControllerKey(Multikey.Type type, byte[] secret) {
    this.type = type;
    this.secret = secret.clone();
    if (type == Multikey.Type.ED25519) {
      this.publicKey =
          Multikey.of(
              type, new Ed25519PrivateKeyParameters(secret, 0).generatePublicKey().getEncoded());
    } else {
      this.publicKey =
          Multikey.of(
              type,
              Multikey.P256
                  .getG()
                  .multiply(new BigInteger(1, secret))
                  .normalize()
                  .getEncoded(true));
    }
  }

  /** A fresh random key. */
  public static SoftwareControllerKey generate(Multikey.Type type) {
    SecureRandom random = new SecureRandom();
    if (type == Multikey.Type.ED25519) {
      return new SoftwareControllerKey(type, new Ed25519PrivateKeyParameters(random).getEncoded());
    }
    BigInteger d;
    do {
      d = new BigInteger(256, random);
    } while (d.signum() == 0 || d.compareTo(Multikey.P256.getN()) >= 0);
    return fromSecret(type, d);
  }

  /** Rebuilds a key from its 32 secret bytes (Ed25519 seed or P-256 scalar). */
  public static SoftwareControllerKey fromSecret(Multikey.Type type, byte[] secret) {
    if (secret.length != 32) {
      throw new IllegalArgumentException("secret must be 32 bytes");
    }
    return new SoftwareControllerKey(type, secret);
  }

  private static SoftwareControllerKey fromSecret(Multikey.Type type, BigInteger d) {
    byte[] raw = d.toByteArray();
    byte[] secret = new byte[32];
    int copy = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - copy, secret, 32 - copy, copy);
    return new SoftwareControllerKey(type, secret);
  }

  public Multikey.Type type() {
    return type;
  }

  /** The secret bytes, for writing a local key file; every caller is visible in review. */
  public byte[] exportSecretForKeyFile() {
    return secret.clone();
  }

  @Override
  public Multikey publicKey() {
    return publicKey;
  }

  @Override
  public byte[] sign(byte[] message) {
    if (type == Multikey.Type.ED25519) {
      Ed25519Signer signer = new Ed25519Signer();
      signer.init(true, new Ed25519PrivateKeyParameters(secret, 0));
      signer.update(message, 0, message.length);
      return signer.generateSignature();
    }
    ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
    signer.init(true, new ECPrivateKeyParameters(new BigInteger(1, secret), Multikey.P256_DOMAIN));
    BigInteger[] rs = signer.generateSignature(Encoding.sha256(message));
    BigInteger s =
        rs[1].compareTo(Multikey.HALF_N) > 0 ? Multikey.P256.getN().subtract(rs[1]) : rs[1];
    byte[] out = new byte[64];
    put(rs[0], out, 0);
    put(s, out, 32);
    return out;
  }

  private static void put(BigInteger v, byte[] out, int offset) {
    byte[] raw = v.toByteArray();
    int copy = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - copy, out, offset + 32 - copy, copy);
  }

  @Override
  public String toString() {
    return "SoftwareControllerKey(" + publicKey + ")";
  }
}
