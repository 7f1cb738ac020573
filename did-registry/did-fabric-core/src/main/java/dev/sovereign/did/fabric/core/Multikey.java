package dev.sovereign.did.fabric.core;

import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * A controller public key in Multikey form: {@code publicKeyMultibase} = "z" + base58btc(multicodec
 * varint || key). Ed25519 ({@code 0xed01}, 32 bytes) or P-256 ({@code 0x8024}, 33-byte compressed
 * point). The signature algorithm is fixed by the key type: Ed25519 (RFC 8032) or ECDSA P-256 with
 * SHA-256, signature as 64-byte r||s with low s.
 */
public final class Multikey {
  /** Key types did:fabric accepts for capabilityInvocation. */
  public enum Type {
    ED25519,
    P256
  }

  static final X9ECParameters P256 = CustomNamedCurves.getByName("secp256r1");
  static final ECDomainParameters P256_DOMAIN =
      new ECDomainParameters(P256.getCurve(), P256.getG(), P256.getN(), P256.getH());
  static final BigInteger HALF_N = P256.getN().shiftRight(1);

  private final Type type;
  private final byte[] raw;
  private final String multibase;

  private Multikey(Type type, byte[] raw, String multibase) {
    this.type = type;
    this.raw = raw;
    this.multibase = multibase;
  }

  /** Parses a publicKeyMultibase value; IllegalArgumentException when not a supported key. */
  public static Multikey parse(String multibase) {
    if (multibase == null || !multibase.startsWith("z")) {
      throw new IllegalArgumentException("publicKeyMultibase must be base58btc ('z')");
    }
    byte[] bytes = Encoding.fromBase58btc(multibase.substring(1));
    if (bytes.length == 34 && (bytes[0] & 0xff) == 0xed && bytes[1] == 0x01) {
      return new Multikey(Type.ED25519, Arrays.copyOfRange(bytes, 2, 34), multibase);
    }
    if (bytes.length == 35 && (bytes[0] & 0xff) == 0x80 && bytes[1] == 0x24) {
      byte[] point = Arrays.copyOfRange(bytes, 2, 35);
      P256.getCurve().decodePoint(point); // rejects points not on the curve
      if (point[0] != 2 && point[0] != 3) {
        throw new IllegalArgumentException("P-256 key must be compressed");
      }
      return new Multikey(Type.P256, point, multibase);
    }
    throw new IllegalArgumentException(
        "unsupported multikey (Ed25519 0xed01 or P-256 0x8024 only)");
  }

  /** Encodes a raw public key (32-byte Ed25519, or 33-byte compressed P-256) as multibase. */
  public static Multikey of(Type type, byte[] raw) {
    byte[] prefix =
        type == Type.ED25519 ? new byte[] {(byte) 0xed, 0x01} : new byte[] {(byte) 0x80, 0x24};
    byte[] all = new byte[prefix.length + raw.length];
    System.arraycopy(prefix, 0, all, 0, prefix.length);
    System.arraycopy(raw, 0, all, prefix.length, raw.length);
    return parse("z" + Encoding.base58btc(all));
  }

  public Type type() {
    return type;
  }

  public String multibase() {
    return multibase;
  }

  /** The raw key bytes (copy). */
  public byte[] raw() {
    return raw.clone();
  }

  /** Checks {@code signature} over {@code message} with this key's one algorithm. */
  public boolean verifies(byte[] message, byte[] signature) {
    if (type == Type.ED25519) {
      if (signature.length != 64) {
        return false;
      }
      Ed25519Signer verifier = new Ed25519Signer();
      verifier.init(false, new Ed25519PublicKeyParameters(raw, 0));
      verifier.update(message, 0, message.length);
      return verifier.verifySignature(signature);
    }
    if (signature.length != 64) {
      return false;
    }
    BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, 32));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
    if (s.compareTo(HALF_N) > 0) {
      return false; // high-s signatures are malleable copies; the spec requires low s
    }
    ECDSASigner verifier = new ECDSASigner();
    verifier.init(false, new ECPublicKeyParameters(P256.getCurve().decodePoint(raw), P256_DOMAIN));
    return verifier.verifySignature(Encoding.sha256(message), r, s);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Multikey && ((Multikey) o).multibase.equals(multibase);
  }

  @Override
  public int hashCode() {
    return multibase.hashCode();
  }

  @Override
  public String toString() {
    return multibase;
  }
}
